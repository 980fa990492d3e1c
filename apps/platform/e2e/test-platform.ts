import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformClient } from '@vgp/testing';
import { startEmbeddedPlatform } from '../src/embedded-platform.js';

export type TestPlatform = {
  client: PlatformClient;
  url: string;
  softwareVersion: string;
  dataDir: string;
  /** Stops the platform and keeps its data (to restart on it). */
  stop(): Promise<void>;
  /** Stops it if running and removes its data. */
  close(): Promise<void>;
};

/** A fresh embedded platform on a free port with its own data folder. */
export async function startTestPlatform(options: { seed?: boolean; env?: Record<string, string> } = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vgp-e2e-'));
  const softwareVersion = `e2e-${process.pid}`;
  Object.assign(process.env, {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'error',
    SOFTWARE_VERSION: softwareVersion,
    DATA_DIR: dataDir,
    ...options.env,
  });
  const platform = await startEmbeddedPlatform({ dataDir, seed: options.seed ?? false });
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= platform.close());
  return {
    client: new PlatformClient(platform.url),
    url: platform.url,
    softwareVersion,
    dataDir,
    stop,
    close: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
