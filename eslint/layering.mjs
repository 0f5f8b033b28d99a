// Layering rules (README.md, "Layering: which folder may import which"): which top-level
// folder may import which, and no import cycles. `layering(root)` returns flat-config
// objects whose folders are relative to `root`; eslint.config.mjs applies them to the
// repository and test/lint/layering.test.ts to small fixture trees.
//
// Cycles: every import counts, type-only ones too. `import-x/no-cycle` reports a cycle of
// value imports (static or `await import()`); `layering/no-type-import-cycle`
// (./no-type-import-cycle.mjs) reports a type-only import that closes a cycle.
import path from 'node:path';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { noTypeImportCycle } from './no-type-import-cycle.mjs';

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
  // Sources import siblings without an extension or, in `await import()`, as './x.js'.
  const resolver = createNodeResolver({
    extensions: ['.ts', '.d.ts', '.js', '.json', '.node'],
    extensionAlias: { '.js': ['.ts', '.js'] },
  });
  const plugin = {
    meta: { name: 'layering' },
    rules: { 'no-type-import-cycle': noTypeImportCycle(resolver) },
  };
  return [
    {
      basePath: root,
      files: ['**/*.ts', '**/*.mts', '**/*.cts'],
      plugins: { 'import-x': importX, layering: plugin },
      settings: {
        'import-x/resolver-next': [resolver],
        // Without these import-x does not parse .ts dependencies, and no-cycle sees no cycle.
        'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
        'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
      },
      rules: {
        'import-x/no-restricted-paths': ['error', { basePath: path.resolve(root), zones }],
        'import-x/no-cycle': ['error', { ignoreExternal: true }],
        'layering/no-type-import-cycle': 'error',
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
