import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startTracing } from './tracing.js';

export type RecordedSpans = {
  /** Every span ended so far, oldest first. */
  spans(): ReadableSpan[];
  reset(): void;
  stop(): Promise<void>;
};

/**
 * Tests: records every span in memory, synchronously on end. Call before the app boots (the
 * provider is process-wide and the first caller configures it), `stop()` after it closed.
 */
export const recordSpans = (serviceName = 'test'): RecordedSpans => {
  const exporter = new InMemorySpanExporter();
  const lease = startTracing({ serviceName, softwareVersion: '0.0.0-test', env: {}, exporter });
  return { spans: () => exporter.getFinishedSpans(), reset: () => exporter.reset(), stop: () => lease.release() };
};
