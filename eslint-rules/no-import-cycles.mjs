// local/no-import-cycles: an import that closes a cycle of relative imports is an error.
// The graph is built from the files on disk (each file's relative imports, read with
// TypeScript's import scanner, which skips comments and strings), the file being linted
// from its current text. Type-only imports count: a cycle of types is still a cycle of
// modules to read. The finding names the whole cycle, e.g. `a.ts -> b.ts -> a.ts`.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** file -> { mtime, imports } (relative imports resolved to files), for one ESLint process. */
const cache = new Map();

function resolve(fromFile, specifier) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, `${base}.d.ts`, path.join(base, 'index.ts'), base]) {
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

function importsOf(file, text) {
  const found = ts.preProcessFile(text, true, true).importedFiles.map((ref) => resolve(file, ref.fileName));
  return [...new Set(found.filter((target) => target !== undefined))];
}

function importsOnDisk(file) {
  let mtime;
  try {
    mtime = fs.statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const known = cache.get(file);
  if (known && known.mtime === mtime) return known.imports;
  const imports = importsOf(file, fs.readFileSync(file, 'utf8'));
  cache.set(file, { mtime, imports });
  return imports;
}

/** A path of imports from `start` back to `goal`, or undefined (depth-first, each file once). */
function pathBack(start, goal, seen = new Set()) {
  if (start === goal) return [goal];
  if (seen.has(start)) return undefined;
  seen.add(start);
  for (const next of importsOnDisk(start)) {
    const rest = pathBack(next, goal, seen);
    if (rest) return [start, ...rest];
  }
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow a relative import that closes an import cycle' },
    schema: [],
    messages: { cycle: 'Import cycle: {{cycle}}. Move what both need below both, or pass it in.' },
  },
  create(context) {
    const file = context.physicalFilename;
    const root = context.cwd;
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const target = resolve(file, source.value);
      if (!target) return;
      const back = target === file ? [file] : pathBack(target, file);
      if (!back) return;
      const cycle = [file, ...back].map((f) => path.relative(root, f).split(path.sep).join('/')).join(' -> ');
      context.report({ node: source, messageId: 'cycle', data: { cycle } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : undefined),
      CallExpression: (node) =>
        node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal'
          ? check(node, node.arguments[0])
          : undefined,
      TSImportEqualsDeclaration: (node) =>
        check(
          node,
          node.moduleReference.type === 'TSExternalModuleReference' ? node.moduleReference.expression : undefined,
        ),
    };
  },
};
