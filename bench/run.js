#!/usr/bin/env node
// `npm run bench -- NAME [args…]`: runs dist/bench/NAME.js (compiled from bench/NAME.ts).
// Every benchmark prints human-readable lines and, last, one JSON object {"bench":NAME,…}.
const fs = require('node:fs');
const path = require('node:path');
const [name, ...rest] = process.argv.slice(2);
const dir = path.join(__dirname, '..', 'dist', 'bench');
const available = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
  : [];
if (!name || !available.includes(name)) {
  process.stderr.write(
    `usage: npm run bench -- NAME [args]\navailable: ${available.join(', ') || '(none built)'}\n`,
  );
  process.exit(2);
}
process.argv = [process.argv[0], path.join(dir, `${name}.js`), ...rest];
require(path.join(dir, `${name}.js`));
