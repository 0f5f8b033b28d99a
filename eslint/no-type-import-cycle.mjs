// ESLint rule `layering/no-type-import-cycle`: a type-only import (`import type`,
// `import { type A }` only, `export type … from`, `import('x').T`) that closes an import
// cycle. `import-x/no-cycle` reports cycles made of value imports only; together the two
// rules report every cycle, each on a different import. Type-only imports vanish from the
// compiled JavaScript, but a cycle through them still ties two modules into one unit.
//
// The rest of the graph is read from disk (TypeScript's pre-processor lists every import of
// a file: value, type, dynamic, re-export) and resolved by the same resolver as import-x,
// cached per file and refreshed when the file's mtime changes.
import fs from 'node:fs';
import ts from 'typescript';

/**
 * @param {{ resolve(spec: string, from: string): { found: boolean, path?: string | null } }} resolver
 * @returns {import('eslint').Rule.RuleModule}
 */
export function noTypeImportCycle(resolver) {
  /** Resolutions found: our file, or null for a package. @type {Map<string, string | null>} */
  const resolved = new Map();
  /** @type {Map<string, { mtimeMs: number, deps: string[] }>} */
  const graph = new Map();

  /** Our module that `spec` names from `from`, or null (a package, a builtin, not found). */
  function resolveOurs(spec, from) {
    if (!spec.startsWith('.') && !spec.startsWith('/')) return null;
    const key = `${from}\0${spec}`;
    const hit = resolved.get(key);
    if (hit !== undefined) return hit;
    const r = resolver.resolve(spec, from);
    const p = r.found && r.path && !r.path.includes('/node_modules/') ? r.path : null;
    // A miss is not kept: the file may be created later in a long-running editor session.
    if (p !== null || r.found) resolved.set(key, p);
    return p;
  }

  /** Every module of ours that `file` imports, in any way. */
  function depsOf(file) {
    let mtimeMs;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      return [];
    }
    const cached = graph.get(file);
    if (cached && cached.mtimeMs === mtimeMs) return cached.deps;
    const text = fs.readFileSync(file, 'utf8');
    const deps = ts
      .preProcessFile(text, true, true)
      .importedFiles.map((f) => resolveOurs(f.fileName, file))
      .filter((p) => p !== null);
    graph.set(file, { mtimeMs, deps: [...new Set(deps)] });
    return graph.get(file).deps;
  }

  /** The shortest import route from `start` back to `goal` (files), or null. */
  function routeBack(start, goal) {
    const parent = new Map([[start, null]]);
    const queue = [start];
    while (queue.length > 0) {
      const file = queue.shift();
      for (const dep of depsOf(file)) {
        if (dep === goal) {
          const route = [file];
          for (let p = parent.get(file); p !== null; p = parent.get(p)) route.unshift(p);
          return route;
        }
        if (!parent.has(dep)) {
          parent.set(dep, file);
          queue.push(dep);
        }
      }
    }
    return null;
  }

  const allTypes = (specifiers, kind) => specifiers.length > 0 && specifiers.every((s) => s[kind] === 'type');

  return {
    meta: {
      type: 'problem',
      docs: { description: 'Forbid a type-only import that closes an import cycle' },
      schema: [],
      messages: {
        cycle:
          'Import cycle through a type-only import: {{route}}. Type imports count as cycles here; see README.md, "Layering: which folder may import which".',
      },
    },
    create(context) {
      const filename = context.physicalFilename;
      const root = context.cwd;
      const rel = (p) => (p.startsWith(`${root}/`) ? p.slice(root.length + 1) : p);
      function check(node, spec) {
        if (typeof spec !== 'string') return;
        const target = resolveOurs(spec, filename);
        if (target === null || target === filename) return;
        const route = routeBack(target, filename);
        if (route === null) return;
        context.report({
          node,
          messageId: 'cycle',
          data: { route: [filename, ...route, filename].map(rel).join(' → ') },
        });
      }
      return {
        ImportDeclaration(node) {
          if (node.importKind === 'type' || allTypes(node.specifiers, 'importKind'))
            check(node, node.source.value);
        },
        ExportNamedDeclaration(node) {
          if (node.source && (node.exportKind === 'type' || allTypes(node.specifiers, 'exportKind')))
            check(node, node.source.value);
        },
        ExportAllDeclaration(node) {
          if (node.exportKind === 'type') check(node, node.source.value);
        },
        TSImportType(node) {
          // `import('./x').T`: typescript-eslint 8 names the string `argument.literal`.
          check(node, node.argument?.literal?.value ?? node.source?.value);
        },
        TSImportEqualsDeclaration(node) {
          if (node.importKind === 'type' && node.moduleReference.type === 'TSExternalModuleReference')
            check(node, node.moduleReference.expression.value);
        },
      };
    },
  };
}
