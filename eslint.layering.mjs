// Layering rules (README.md, "Layering: which folder may import which"): which top-level
// folder may import which, and no import cycles. `layering(root)` returns flat-config
// objects whose folders are relative to `root`; eslint.config.mjs applies them to the
// repository and test/lint/layering.test.ts to a small fixture tree.
//
// Cycles: `import-x/no-cycle` follows value imports, static and dynamic (`await import()`);
// it does not follow type-only imports (`import type`, or `{ type A }` only), which vanish
// from the compiled JavaScript and so cannot create a load-order cycle.
import path from 'node:path';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/** Our top-level folders; npm packages are outside the zones. */
const OURS = ['core', 'autoscaler', 'exporter', 'lab', 'bench', 'test', 'bin'];

const others = (...allowed) => OURS.filter((f) => !allowed.includes(f));

const see = ' See README.md, "Layering: which folder may import which".';

/** `target` may not import any of `from` (folders relative to the root), except `except` (relative to each `from`). */
const zone = (target, from, message, except) => ({
  target,
  from,
  ...(except ? { except } : {}),
  message: message + see,
});

/** @param {string} root absolute path of the tree the folders below are relative to */
export function layering(root) {
  const zones = [
    zone(
      'core',
      ['autoscaler', 'exporter', 'lab', 'bench'],
      'core/ imports nothing from autoscaler/, exporter/, lab/ or bench/.',
    ),
    zone(
      'exporter',
      ['autoscaler', 'lab', 'bench'],
      'exporter/ imports nothing from autoscaler/, lab/ or bench/.',
    ),
    zone('lab', others('core', 'lab'), 'lab/ imports only core/.'),
    zone(
      'autoscaler/decision',
      others('core', 'autoscaler'),
      'autoscaler/decision/ imports only core/model/ (and zod).',
    ),
    zone('autoscaler/decision', ['core'], 'autoscaler/decision/ imports only core/model/ (and zod).', [
      './model',
    ]),
    zone('autoscaler/decision', ['autoscaler'], 'autoscaler/decision/ imports only core/model/ (and zod).', [
      './decision',
    ]),
  ];
  const onlyPackages = (allowed) => [
    'error',
    {
      patterns: [
        {
          // Relative paths are the zones' business; any other bare specifier is a package.
          regex: `^(?!\\.|(${allowed.join('|')})(/|$))`,
          message: `autoscaler/decision/ imports only core/model/ and the packages ${allowed.join(', ')}.${see}`,
        },
      ],
    },
  ];
  return [
    {
      basePath: root,
      files: ['**/*.ts', '**/*.mts', '**/*.cts'],
      plugins: { 'import-x': importX },
      settings: {
        // Sources import siblings without an extension or, in `await import()`, as './x.js'.
        'import-x/resolver-next': [
          createNodeResolver({
            extensions: ['.ts', '.d.ts', '.js', '.json', '.node'],
            extensionAlias: { '.js': ['.ts', '.js'] },
          }),
        ],
      },
      rules: {
        'import-x/no-restricted-paths': ['error', { basePath: path.resolve(root), zones }],
        'import-x/no-cycle': ['error', { ignoreExternal: true }],
      },
    },
    {
      basePath: root,
      files: ['autoscaler/decision/**/*.ts'],
      ignores: ['**/*.test.ts'],
      rules: { 'no-restricted-imports': onlyPackages(['zod']) },
    },
    {
      // Tests may use the test tooling besides.
      basePath: root,
      files: ['autoscaler/decision/**/*.test.ts'],
      rules: { 'no-restricted-imports': onlyPackages(['zod', 'fast-check', '@jest/globals']) },
    },
  ];
}
