// The lint rules that keep the layers (eslint-rules/layers.mjs, used by eslint.config.mjs), run
// through ESLint's Node API on the fixture trees in test/fixtures/lint: each breach must be
// reported where it is, and the clean trees must produce nothing. That npm run lint finds
// nothing in src/ itself is lint's own job.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/lint');

/** `file:line rule` for each finding in the fixture tree `tree`, the cycle's path added for a cycle. */
async function findings(tree: string): Promise<string[]> {
  const cwd = path.join(FIXTURES, tree);
  const eslint = new ESLint({ cwd, overrideConfigFile: path.join(FIXTURES, 'eslint.config.mjs') });
  const results = await eslint.lintFiles(['src']);
  return results
    .flatMap((result) =>
      result.messages.map((m) => {
        const where = `${path.relative(cwd, result.filePath).split(path.sep).join('/')}:${m.line} ${m.ruleId}`;
        const cycle = /^Import cycle: (.*?)\. /.exec(m.message)?.[1];
        return cycle ? `${where} ${cycle}` : where;
      }),
    )
    .sort();
}

describe('lint: layers and import cycles (eslint-rules/)', function () {
  this.timeout(60_000);

  it('a core file importing the shell, src/extension.ts or vscode is an error', async () => {
    const found = await findings('breaches');
    for (const expected of [
      'src/core/keys/shellImport.ts:2 no-restricted-imports',
      'src/core/keys/extensionImport.ts:2 no-restricted-imports',
      'src/core/keys/vscodeImport.ts:2 no-restricted-imports',
    ]) {
      assert.ok(found.includes(expected), `${expected} in ${found.join(', ')}`);
    }
  });

  it("a core folder importing one that is not below it in the core's order is an error, at any depth", async () => {
    const found = await findings('breaches');
    for (const expected of [
      'src/core/keys/upward.ts:2 no-restricted-imports',
      'src/core/ssh/config/deep.ts:2 no-restricted-imports',
      'src/core/base/text.ts:2 no-restricted-imports',
    ]) {
      assert.ok(found.includes(expected), `${expected} in ${found.join(', ')}`);
    }
    // Exactly the seven breaches (six in the core, one in the shell): nothing else is reported.
    assert.equal(found.length, 7, found.join('\n'));
  });

  it('a shell file importing src/extension.ts is an error', async () => {
    const found = await findings('breaches');
    assert.ok(found.includes('src/shell/commands/upToExtension.ts:2 no-restricted-imports'), found.join(', '));
  });

  it('a 2-file and a 3-file import cycle are errors (type-only and re-export imports count); a diamond is not', async () => {
    assert.deepEqual(await findings('cycles'), [
      'src/three/a.ts:1 local/no-import-cycles src/three/a.ts -> src/three/b.ts -> src/three/sub/c.ts -> src/three/a.ts',
      'src/three/b.ts:1 local/no-import-cycles src/three/b.ts -> src/three/sub/c.ts -> src/three/a.ts -> src/three/b.ts',
      'src/three/sub/c.ts:1 local/no-import-cycles src/three/sub/c.ts -> src/three/a.ts -> src/three/b.ts -> src/three/sub/c.ts',
      'src/two/a.ts:1 local/no-import-cycles src/two/a.ts -> src/two/b.ts -> src/two/a.ts',
      'src/two/b.ts:1 local/no-import-cycles src/two/b.ts -> src/two/a.ts -> src/two/b.ts',
    ]);
  });

  it('a clean tree (every allowed import, vscode in the shell, a diamond) produces no finding', async () => {
    assert.deepEqual(await findings('clean'), []);
  });
});
