// vmpilot's version, read once from its package.json (found by walking up from this file,
// so it works from the TypeScript sources and from dist/ alike).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function vmpilotVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'vmpilot') {
      cached = pkg.version ?? cached;
      break;
    }
  }
  return cached;
}
