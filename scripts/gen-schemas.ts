// `npm run gen:schemas`: writes the generated event schema and the panel's types
// (scripts/event-schemas.ts) into the repository. With `--check` it writes nothing and
// exits 1 naming each committed file that differs from what the zod schema gives now.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventSchemaFiles } from './event-schemas';

// Compiled to dist/<dir>/scripts/ (scripts/tsconfig.json): the repository is three levels up.
const ROOT = path.resolve(__dirname, '..', '..', '..');
const check = process.argv.includes('--check');

function current(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

eventSchemaFiles(ROOT).then(
  (files) => {
    for (const f of files) {
      const file = path.join(ROOT, f.path);
      if (!check) {
        writeFileSync(file, f.text);
        process.stdout.write(`wrote ${f.path}\n`);
      } else if (current(file) !== f.text) {
        process.stderr.write(`${f.path} is out of date: run npm run gen:schemas\n`);
        process.exitCode = 1;
      }
    }
  },
  (err: unknown) => {
    process.stderr.write(`gen:schemas: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
