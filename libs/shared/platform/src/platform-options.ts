import type { DestinationStream } from 'pino';

export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');

export type PlatformOptions = {
  /** Names the service in logs, metrics and as the actor of system events. */
  serviceName: string;
  /** Defaults to process.env; tests pass their own. */
  env?: Record<string, string | undefined>;
  /** Where JSON log lines go (default stdout); tests capture them here. */
  logDestination?: DestinationStream;
};
