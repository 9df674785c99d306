// The pure core runs in plain Node: no file in it may import 'vscode', directly or through a
// module of the shell. Add a new core folder (or vscode-free file) to CORE and it is checked.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './helpers/env';

/** Folders (and single files) of the core, relative to the repository. */
const CORE = ['src/api', 'src/keys', 'src/flows', 'src/servers', 'src/errorText.ts', 'src/l10n.ts'];

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
