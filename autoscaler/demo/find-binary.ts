// Finds an executable on PATH (the demo needs Debian's `prometheus`).
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

export const PROMETHEUS_INSTALL_HINT =
  'Prometheus is not installed (no `prometheus` on PATH). Install it with\n' +
  '  apt-get update && apt-get install -y --no-install-recommends prometheus\n' +
  'or run `npm run setup` (scripts/setup.sh installs every Debian package vmpilot needs).';
