// Tests never pass by skipping: a suite whose tool is missing fails, naming the tool and
// the set-up that installs it (`npm run setup`, scripts/setup.sh, installs every tool the
// suites start: libvirt, QEMU, Prometheus, promtool, Alertmanager, amtool, Chromium).
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The one-line error for a tool the set-up should have installed. */
export function missingToolError(tool: string, detail?: string): Error {
  return new Error(
    `${tool} is missing${detail ? ` (${detail})` : ''}: run \`npm run setup\`, which installs every tool the tests use`,
  );
}

/** Path of `name` on PATH (or an absolute path that exists), else undefined. */
export function findTool(name: string): string | undefined {
  if (path.isAbsolute(name)) return existsSync(name) ? name : undefined;
  const dirs = (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter);
  for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
    const p = path.join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Throws `missingToolError` unless `name` is installed; returns its path. */
export function requireTool(name: string, debianPackage?: string): string {
  const found = findTool(name);
  if (found === undefined) throw missingToolError(name, debianPackage && `Debian package ${debianPackage}`);
  return found;
}
