// The pure core (src/core) runs in plain Node: no file in it may import 'vscode', directly or
// through a module of the shell. Lint enforces the layers by path (eslint-rules/layers.mjs,
// proven by lint.layers.test.ts); this check also reads import() and require(), which
// ESLint's no-restricted-imports does not see.
// And no exported function, method or class of src/ takes a one-letter parameter.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { tempDir } from './helpers/env';

/** The core, relative to the repository: everything vscode-free lives under it. */
const CORE = ['src/core'];

const ROOT = path.resolve(__dirname, '../../..');

/** `from '…'`, `import '…'`, `import('…')`, `require('…')` and `export … from '…'` specifiers. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function tsFiles(entry: string): string[] {
  if (!fs.existsSync(entry)) return [];
  if (fs.statSync(entry).isFile()) return [entry];
  return fs
    .readdirSync(entry, { recursive: true })
    .map((f) => path.join(entry, String(f)))
    .filter((f) => f.endsWith('.ts') && fs.statSync(f).isFile());
}

/** Every breach of the rule under `root`: a core file importing 'vscode' or a module outside the core. */
export function coreViolations(root: string, core: string[]): string[] {
  const inCore = core.map((c) => path.join(root, c));
  const isCore = (file: string) => inCore.some((c) => file === c || file.startsWith(c + path.sep));
  const found: string[] = [];
  for (const file of inCore.flatMap(tsFiles)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(SPECIFIER)) {
      const where = path.relative(root, file);
      if (spec === 'vscode' || spec?.startsWith('vscode/')) found.push(`${where} imports 'vscode'`);
      else if (spec?.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        const candidates = [target, `${target}.ts`, path.join(target, 'index.ts')];
        if (!candidates.some(isCore)) found.push(`${where} imports ${spec}, which is outside the core`);
      }
    }
  }
  return found;
}

describe('architecture: the core never imports vscode', () => {
  it('no file of the core imports vscode or a module of the shell', () => {
    const files = CORE.flatMap((c) => tsFiles(path.join(ROOT, c)));
    assert.ok(files.length > 20, `found the core's files (${files.length})`);
    assert.deepEqual(coreViolations(ROOT, CORE), []);
  });

  it('the check finds an import of vscode, direct or through the shell', () => {
    const root = tempDir('skp-arch-');
    fs.mkdirSync(path.join(root, 'src/core'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src/shell.ts'), "import * as vscode from 'vscode';\n");
    fs.writeFileSync(path.join(root, 'src/core/a.ts'), "import type { Uri } from 'vscode';\n");
    const b = "import { x } from '../shell';\nexport const y = () => import('vscode');\n";
    fs.writeFileSync(path.join(root, 'src/core/b.ts'), b);
    fs.writeFileSync(path.join(root, 'src/core/c.ts'), "import { y } from './b';\nimport * as fs from 'node:fs';\n");
    assert.deepEqual(coreViolations(root, ['src/core']).sort(), [
      "src/core/a.ts imports 'vscode'",
      "src/core/b.ts imports 'vscode'",
      'src/core/b.ts imports ../shell, which is outside the core',
    ]);
  });
});

/**
 * Every one-letter parameter (`o`, `s`, `p`…) of what a module exports: exported functions and
 * function-valued consts, the constructors, methods and setters of exported classes (but not
 * their private members), and the methods and function-typed properties of exported interfaces
 * and the function types of exported type aliases. Callbacks inside a body are not an API and
 * are not checked. Lines read `file:line name (parameter)`.
 */
export function oneLetterParameters(root: string, files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    // `function f(…)` with a later `export { f }` is exported too.
    const listed = new Set<string>();
    for (const statement of source.statements) {
      if (ts.isExportDeclaration(statement) && !statement.moduleSpecifier && statement.exportClause) {
        if (ts.isNamedExports(statement.exportClause)) {
          for (const spec of statement.exportClause.elements) listed.add((spec.propertyName ?? spec.name).text);
        }
      }
    }
    const exported = (node: ts.Node, name: string | undefined) =>
      (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Export) !== 0 ||
      (name !== undefined && listed.has(name));
    const check = (fn: ts.SignatureDeclarationBase, owner: string) => {
      for (const parameter of fn.parameters) {
        if (!ts.isIdentifier(parameter.name) || parameter.name.text.length !== 1) continue;
        const line = source.getLineAndCharacterOfPosition(parameter.getStart(source)).line + 1;
        found.push(`${path.relative(root, file)}:${line} ${owner} (${parameter.name.text})`);
      }
    };
    const isPrivate = (member: ts.ClassElement) =>
      (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private) !== 0 ||
      (member.name !== undefined && ts.isPrivateIdentifier(member.name));
    for (const statement of source.statements) {
      if (ts.isFunctionDeclaration(statement) && exported(statement, statement.name?.text)) {
        check(statement, statement.name?.text ?? 'default');
      } else if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          const value = declaration.initializer;
          const name = declaration.name.getText(source);
          if (!value || !(ts.isArrowFunction(value) || ts.isFunctionExpression(value))) continue;
          if (exported(statement, name) || listed.has(name)) check(value, name);
        }
      } else if (ts.isClassDeclaration(statement) && exported(statement, statement.name?.text)) {
        for (const member of statement.members) {
          const callable =
            ts.isConstructorDeclaration(member) || ts.isMethodDeclaration(member) || ts.isSetAccessor(member);
          if (!callable || isPrivate(member)) continue;
          check(member, `${statement.name?.text}.${member.name?.getText(source) ?? 'constructor'}`);
        }
      } else if (ts.isInterfaceDeclaration(statement) && exported(statement, statement.name.text)) {
        for (const member of statement.members) {
          const owner = `${statement.name.text}.${member.name?.getText(source)}`;
          if (ts.isMethodSignature(member)) check(member, owner);
          else if (ts.isPropertySignature(member) && member.type && ts.isFunctionTypeNode(member.type)) {
            check(member.type, owner);
          }
        }
      } else if (ts.isTypeAliasDeclaration(statement) && exported(statement, statement.name.text)) {
        if (ts.isFunctionTypeNode(statement.type)) check(statement.type, statement.name.text);
      }
    }
  }
  return found;
}

describe('architecture: no one-letter parameters in exported functions', () => {
  it('none in src/', function () {
    this.timeout(30_000); // parses every file of src/
    const files = tsFiles(path.join(ROOT, 'src'));
    assert.ok(files.length > 50, `found the files of src/ (${files.length})`);
    assert.deepEqual(oneLetterParameters(ROOT, files), []);
  });

  it('the check finds them in functions, consts, classes and interfaces, not in callbacks or private code', () => {
    const root = tempDir('skp-params-');
    const file = path.join(root, 'sample.ts');
    fs.writeFileSync(
      file,
      [
        'export function run(o: { name: string }, count: number) { return [count].map((k) => k + o.name.length); }',
        'export const show = (s: string): string => s;',
        'function later(p: string) { return p; }',
        'export { later };',
        'function helper(x: number) { return x; }',
        'export class Box {',
        '  constructor(v: number, private readonly w = helper(1)) {}',
        '  put(k: string, value: number) { return k + value + this.w; }',
        '  set size(n: number) { void n; }',
        '  private inner(z: number) { return z; }',
        '}',
        'export interface Sink { write(b: string): void; done?: (e?: Error) => void; label: string }',
        'export type Handler = (h: number) => void;',
        'interface Hidden { f(q: number): void }',
        'export const fine = (first: string, ...rest: string[]) => [first, ...rest].map((m) => m);',
      ].join('\n'),
    );
    assert.deepEqual(oneLetterParameters(root, [file]), [
      'sample.ts:1 run (o)',
      'sample.ts:2 show (s)',
      'sample.ts:3 later (p)',
      'sample.ts:7 Box.constructor (v)',
      'sample.ts:7 Box.constructor (w)',
      'sample.ts:8 Box.put (k)',
      'sample.ts:9 Box.size (n)',
      'sample.ts:12 Sink.write (b)',
      'sample.ts:12 Sink.done (e)',
      'sample.ts:13 Handler (h)',
    ]);
  });
});
