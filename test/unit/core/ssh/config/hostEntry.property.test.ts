// Property tests (fast-check) of planHostEntry on generated configs: every byte that was there
// stays, in order, and only our block is added; and the real `ssh -G -F` resolves our entry.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { checkWithSsh } from '../../../../../src/core/ssh/config/check';
import { HostEntry, planHostEntry } from '../../../../../src/core/ssh/config/hostEntry';
import { makeTempDir, removeTempDirs } from '../../../helpers/keysTestUtil';

const HOME = '/home/ann';
const ENTRY: HostEntry = { alias: 'web1', hostName: '203.0.113.7', user: 'ubuntu', identityFile: '/keys/web1' };

/** Lines a real config has: blocks that match web1 or not, Includes, comments, blanks, options. */
const line = fc.constantFrom(
  'Host *',
  'Host web?',
  'Host db web*',
  'Host other',
  'Host !web1 *',
  'Match all',
  'Match host web*',
  'Match originalhost x exec "true"',
  'Include /nonexistent/conf.d/*',
  '# a comment',
  '  # indented comment',
  '',
  '   ',
  '  User nobody',
  '\tHostName wrong.example',
  '  IdentityFile /keys/other',
  '  IdentitiesOnly no',
  'Port 2200',
  'ServerAliveInterval 30',
);
const config = fc
  .tuple(fc.array(line, { maxLength: 14 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([lines, eol, finalNewline]) => lines.join(eol) + (finalNewline && lines.length > 0 ? eol : ''));

/** The runs of `after` whose removal gives `before` (one inserted run of bytes). */
function insertions(before: string, after: string): string[] {
  const length = after.length - before.length;
  const found: string[] = [];
  if (length <= 0) return found;
  for (let p = 0; p <= before.length; p++) {
    if (after.slice(0, p) + after.slice(p + length) === before) found.push(after.slice(p, p + length));
  }
  return found;
}

/** True if an option line (not Include) comes before the first Host/Match line: such global values win over any block. */
function hasGlobalOptions(text: string): boolean {
  for (const l of text.split(/\r?\n/)) {
    if (/^\s*(Host|Match)\b/.test(l)) return false;
    if (/\S/.test(l) && !/^\s*#/.test(l) && !/^\s*Include\b/.test(l)) return true;
  }
  return false;
}

describe('ssh/config/hostEntry planHostEntry (property-based)', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => removeTempDirs(dirs));

  it('only inserts our block (plus line breaks), for 3000 generated configs', () => {
    fc.assert(
      fc.property(config, (text) => {
        const plan = planHostEntry(text, ENTRY, { home: HOME, platform: 'linux' });
        if (plan.outcome !== 'added') return false;
        // What was added is our block and line breaks, nothing of the user's.
        const ours =
          /^(\r?\n)*Host web1\r?\n[ \t]+# Added by Server Key Pairs \(VS Code\)\r?\n[^]*IdentitiesOnly yes(\r?\n)+$/;
        return insertions(text, plan.text.toString('utf8')).some((added) => ours.test(added));
      }),
      { numRuns: 3000, seed: 20261203 },
    );
  });

  it('the real ssh -G resolves our HostName, User and IdentityFile (40 generated configs, global options excluded)', async () => {
    const dir = makeTempDir(dirs);
    // Options before any Host/Match line are global and win over every block: the check reports those (other test).
    const samples = fc.sample(
      config.filter((t) => !hasGlobalOptions(t)),
      { numRuns: 40, seed: 7 },
    );
    let i = 0;
    for (const text of samples) {
      const file = path.join(dir, `config-${i++}`);
      const plan = planHostEntry(text, ENTRY, { home: HOME, platform: 'linux' });
      assert.ok('text' in plan);
      fs.writeFileSync(file, plan.text);
      assert.deepEqual(
        await checkWithSsh({ configPath: file, entry: ENTRY, home: HOME }),
        { status: 'effective' },
        JSON.stringify(text),
      );
    }
  });
});
