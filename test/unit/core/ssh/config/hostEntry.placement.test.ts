// #10.15: an "Add to SSH Config" entry must take effect. ssh takes the first value it finds,
// so a block after `Host *` or a `Match` loses. Checked with the real `ssh -G -F <file>`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfigWord } from '../../../../../src/core/ssh/sshCommand';
import { addHostToSshConfig } from '../../../../../src/core/ssh/config/hostEntry';
import { makeTempDir, removeTempDirs } from '../../../helpers/keysTestUtil';
import { sshG } from '../../../helpers/sshG';

describe('ssh/config/hostEntry: the new entry takes effect (#10.15)', () => {
  const dirs: string[] = [];
  let dir: string;
  let config: string;
  let key: string;
  beforeEach(() => {
    dir = makeTempDir(dirs);
    config = path.join(dir, 'config');
    key = path.join(dir, 'mykey');
  });
  after(() => removeTempDirs(dirs));

  const add = (alias: string) =>
    addHostToSshConfig({ configPath: config, alias, hostName: '203.0.113.7', user: 'ubuntu', identityFile: key });

  const cases: Array<[string, string]> = [
    ['a "Host *" block', 'Host *\n  User nobody\n  HostName wrong.example\n  IdentityFile /tmp/other\n'],
    ['a "Match all" block', 'Match all\n  User nobody\n  HostName wrong.example\n'],
    ['a "Match host" block whose pattern matches the alias', 'Match host db,web*\n  User nobody\n'],
    ['a wildcard Host block that matches the alias', 'Host web?\n  User nobody\n  HostName wrong.example\n'],
    ['Includes, then "Host *"', `Include ${path.join(path.sep, 'nonexistent', 'x.conf')}\n\nHost *\n  User nobody\n`],
  ];
  for (const [what, existing] of cases) {
    it(`wins over ${what}: ssh -G resolves our HostName, User and IdentityFile`, async () => {
      fs.writeFileSync(config, existing);
      await add('web1');
      const got = sshG(config, 'web1');
      assert.deepEqual(
        { hostname: got.get('hostname')?.[0], user: got.get('user')?.[0], identityfile: got.get('identityfile')?.[0] },
        { hostname: '203.0.113.7', user: 'ubuntu', identityfile: key },
        fs.readFileSync(config, 'utf8'),
      );
      // Every byte that was there is still there, in order.
      const now = fs.readFileSync(config, 'utf8');
      const ours = now.indexOf('Host web1');
      assert.ok(ours >= 0);
      assert.equal(
        now.slice(0, ours) +
          now.slice(now.indexOf('IdentitiesOnly yes\n', ours) + 'IdentitiesOnly yes\n'.length).replace(/^\n/, ''),
        existing.replace(/^\n/, ''),
      );
    });
  }

  it('keeps leading Include lines first (an Include after a Host line would belong to that Host)', async () => {
    fs.writeFileSync(config, 'Include conf.d/*\nInclude other\n\nHost *\n  User nobody\n');
    await add('web1');
    assert.match(fs.readFileSync(config, 'utf8'), /^Include conf\.d\/\*\nInclude other\n\nHost web1\n/);
  });

  it('leaves a non-matching Host block before it in place', async () => {
    fs.writeFileSync(config, 'Host db\n  User pg\n\nHost *\n  User nobody\n');
    await add('web1');
    assert.match(
      fs.readFileSync(config, 'utf8'),
      /^Host db\n {2}User pg\n\nHost web1\n[^]*\nHost \*\n {2}User nobody\n$/,
    );
  });
});

describe('ssh config aliases that would not mean what they say (#10.15)', () => {
  const refused: Array<[string, RegExp]> = [
    ['me@laptop', /"@"/],
    ['-oProxyCommand=x', /start with "-"/],
    ["it's", /quote/],
    ['"web"', /quote/],
    ['web*', /"\*"/],
    ['web?', /"\?"/],
    ['!web', /"!"/],
    ['a\tb', /space/],
  ];
  for (const [alias, why] of refused) {
    it(`refuses ${JSON.stringify(alias)} with a reason, in the input and in the writer`, async () => {
      assert.match(checkConfigWord(alias, 'alias') ?? 'accepted', why);
      const dir = makeTempDir([]);
      try {
        const config = path.join(dir, 'config');
        await assert.rejects(addHostToSshConfig({ configPath: config, alias, identityFile: path.join(dir, 'k') }), why);
        assert.equal(fs.existsSync(config), false);
      } finally {
        removeTempDirs([dir]);
      }
    });
  }
});
