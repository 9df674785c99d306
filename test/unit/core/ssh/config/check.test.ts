import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkWithSsh } from '../../../../../src/core/ssh/config/check';
import { writeHostEntry } from '../../../../../src/core/ssh/config/hostEntry';
import { entry } from '../../../helpers/sshConfigFixtures';
import { makeTempDir, removeTempDirs } from '../../../helpers/keysTestUtil';
import { sshG } from '../../../helpers/sshG';

describe('ssh/config/check checkWithSsh (the real ssh -G on temp files)', () => {
  const dirs: string[] = [];
  let dir: string;
  let config: string;
  beforeEach(() => {
    dir = makeTempDir(dirs);
    config = path.join(dir, 'config');
  });
  after(() => removeTempDirs(dirs));
  const ours = () => entry({ hostName: '203.0.113.9', user: 'ubuntu', port: 2022, identityFile: path.join(dir, 'k') });

  it('says the entry takes effect when it does (and ssh -G agrees)', async () => {
    fs.writeFileSync(config, 'Host *\n  User nobody\n  Port 22\n');
    await writeHostEntry({ configPath: config, entry: ours() });
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: ours() }), { status: 'effective' });
    assert.equal(sshG(config, 'web1').get('user')?.[0], 'ubuntu');
  });

  it('names the values another entry still wins (global lines before any Host)', async () => {
    fs.writeFileSync(config, `User bob\nIdentityFile ${path.join(dir, 'other')}\nIdentitiesOnly no\nPort 2200\n`);
    await writeHostEntry({ configPath: config, entry: ours() });
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: ours() }), {
      status: 'overridden',
      differences: [
        { option: 'User', expected: 'ubuntu', actual: 'bob' },
        { option: 'Port', expected: '2022', actual: '2200' },
        { option: 'IdentityFile', expected: path.join(dir, 'k'), actual: path.join(dir, 'other') },
        { option: 'IdentitiesOnly', expected: 'yes', actual: 'no' },
      ],
    });
  });

  it('reports a value an Included file still sets (the entry goes after leading Includes)', async () => {
    const included = path.join(dir, 'included.conf');
    fs.writeFileSync(included, 'Host *\n  User from-include\n');
    fs.writeFileSync(config, `Include ${included}\n\nHost *\n  User nobody\n`);
    await writeHostEntry({ configPath: config, entry: ours() });
    assert.match(fs.readFileSync(config, 'utf8'), new RegExp(`^Include ${included}\\n\\nHost web1\\n`));
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: ours() }), {
      status: 'overridden',
      differences: [{ option: 'User', expected: 'ubuntu', actual: 'from-include' }],
    });
  });

  it('compares host names as ssh does (it lower-cases them)', async () => {
    for (const e of [
      entry({ alias: 'MyBox', identityFile: path.join(dir, 'k') }),
      entry({ hostName: 'Example.COM', identityFile: path.join(dir, 'k') }),
    ]) {
      await writeHostEntry({ configPath: config, entry: e });
      assert.deepEqual(await checkWithSsh({ configPath: config, entry: e }), { status: 'effective' }, e.alias);
    }
  });

  it('compares a ~/ identity file with the home ssh uses', async () => {
    const home = makeTempDir(dirs);
    const e = entry({ identityFile: path.join(home, '.ssh', 'k') });
    await writeHostEntry({ configPath: config, entry: e, home });
    assert.match(fs.readFileSync(config, 'utf8'), /IdentityFile ~\/\.ssh\/k\n/);
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: e, home }), { status: 'effective' });
  });

  it('is not-checked, never an exception, without ssh or with a broken config', async () => {
    fs.writeFileSync(config, 'Host web1\n  NoSuchOption x\n');
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: ours(), sshPath: path.join(dir, 'no-ssh') }), {
      status: 'not-checked',
      reason: 'no-ssh',
    });
    const broken = await checkWithSsh({ configPath: config, entry: ours() });
    assert.equal(broken.status, 'not-checked');
    assert.ok(
      broken.status === 'not-checked' &&
        broken.reason === 'failed' &&
        /NoSuchOption|Bad configuration/i.test(broken.detail ?? ''),
      JSON.stringify(broken),
    );
  });

  it('never reads the account config: only the file given (-F)', async () => {
    const missing = path.join(dir, 'missing-config');
    const check = await checkWithSsh({ configPath: missing, entry: ours() });
    assert.equal(check.status, 'not-checked');
  });
});
