import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The workspace package.json version: the release stamped on every event unless SOFTWARE_VERSION says otherwise. */
export const packageVersion = (start = import.meta.dirname): string => {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        version?: string;
        workspaces?: unknown;
        private?: boolean;
      };
      // Lib folders have no package.json; the first one found upwards is the workspace root.
      if (typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; keep walking up
    }
    if (dirname(dir) === dir) return '0.0.0-unknown';
  }
};
