// Connect's decisions about a host alias (src/core/flows/hostEntry.ts, the opener in connect.ts), on real config files in
// temp folders (an `Include` of a folder, as users split their configs) and checked with the
// real `ssh -G`: no suggestion captures a real host or loses to another entry, the user's own
// entries (in any included file) are theirs, and a check that shows another host winning
// opens nothing and says where that host comes from.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  aliasOwner,
  aliasProblem,
  aliasWarning,
  judgeSshCheck,
  suggestHostAlias,
  warnOnce,
} from '../../../../src/core/flows/hostEntry';
import { chooseOpener, remoteAuthority } from '../../../../src/core/flows/connect';
import { describeSshCheck } from '../../../../src/core/wording/sshCheck';
import { checkWithSsh } from '../../../../src/core/ssh/config/check';
import { HostEntry, planHostEntry, writeHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import { removeTempDirs } from '../../helpers/keysTestUtil';
import { sshG } from '../../helpers/sshG';
import { configLayout, entriesOf } from '../../helpers/sshConfigLayout';

const cleanup: string[] = [];
after(() => removeTempDirs(cleanup));

const layout = (main: string, included: Record<string, string> = {}) => configLayout(cleanup, main, included);
const describe_ = (alias: string) => (c: Parameters<typeof describeSshCheck>[0]) => describeSshCheck(c, alias);

describe('flows/hostEntry: aliases that cannot capture a host (issue 18)', () => {
  it('suggests no dot for a server named like a real host; with the entry written, github.com still means github.com', async () => {
    // Before: the alias "github.com" was suggested and written before the user's blocks, and
    // `ssh -G github.com` then resolved to the cloud server's address.
    const { dir, config } = layout('Host *\n  ServerAliveInterval 30\n');
    const entries = await entriesOf(config, dir);
    const alias = suggestHostAlias('github.com', entries, '203.0.113.7');
    assert.equal(alias, 'github-com');
    await writeHostEntry({
      configPath: config,
      entry: { alias, hostName: '203.0.113.7', user: 'root', identityFile: path.join(dir, 'k') },
      home: dir,
    });
    assert.equal(sshG(config, 'github.com').get('hostname')?.[0], 'github.com');
    assert.equal(sshG(config, alias).get('hostname')?.[0], '203.0.113.7');
  });

  it("skips names the user's config gives a meaning to, in any included file, and patterns that match", async () => {
    const { dir, config } = layout('Host web-1\n  User me\n', {
      a: 'Host db db-2\n  HostName db.internal\n',
      b: 'Match host=app\n  User ops\nHost cache*\n  User x\n',
    });
    const entries = await entriesOf(config, dir);
    assert.equal(suggestHostAlias('web-1', entries), 'web-1-2');
    assert.equal(suggestHostAlias('db', entries), 'db-3');
    assert.equal(suggestHostAlias('app', entries), 'app-2');
    // "cache-1" and every "cache-1-N" match the user's "Host cache*": the alias stays free of
    // names, and the box warns about the pattern.
    assert.equal(suggestHostAlias('cache-1', entries), 'cache-1');
    assert.match(aliasWarning('cache-1', entries) ?? '', /"cache-1" matches "cache\*" in .*config\.d\/b, line 3/);
    assert.equal(suggestHostAlias('fresh', entries), 'fresh');
  });

  it("refuses a typed alias that is the user's own entry, naming the file and line; warns before a dot or a pattern", async () => {
    const { dir, config } = layout('', {
      web: 'Host web\n  HostName prod-web.internal\n  User deploy\n',
      x: 'Host *.corp\n  User me\n',
    });
    const entries = await entriesOf(config, dir);
    const problem = aliasProblem('web', entries);
    assert.match(problem ?? '', /"web" is already your own entry in .*config\.d\/web, line 1/);
    assert.equal(aliasProblem('web-2', entries), undefined);
    assert.match(aliasProblem('me@web', entries) ?? '', /can't contain "@"/);
    assert.match(
      aliasWarning('github.com', entries) ?? '',
      /"github\.com" can be a real host name: .*reach this server instead/,
    );
    assert.match(aliasWarning('db.corp', entries) ?? '', /"db\.corp" matches "\*\.corp" in .*config\.d\/x, line 1/);
    assert.equal(aliasWarning('web-2', entries), undefined);
  });

  it('a warning keeps the box open once; Enter again with the same alias goes on', async () => {
    const check = warnOnce((alias) => (alias.includes('.') ? 'dot' : undefined));
    assert.equal(await check('a.b'), 'dot');
    assert.equal(await check('a.b'), undefined);
    assert.equal(await check('c.d'), 'dot');
    assert.equal(await check('plain'), undefined);
  });

  it('does not move our entry for an alias to another server without asking; the suggestion picks another alias', async () => {
    // Before: planHostEntry updated our "web-1" in place, to the new server's address, silently.
    const { dir, config } = layout('');
    const identityFile = path.join(dir, 'k');
    await writeHostEntry({
      configPath: config,
      entry: { alias: 'web-1', hostName: '203.0.113.9', identityFile },
      home: dir,
    });
    const entries = await entriesOf(config, dir);
    assert.equal(aliasOwner('web-1', entries)?.kind, 'ours');
    assert.equal(suggestHostAlias('web-1', entries, '203.0.113.9'), 'web-1', 'the same server keeps its alias');
    assert.equal(suggestHostAlias('web-1', entries, '203.0.113.7'), 'web-1-2', 'another server gets another');
    assert.match(
      aliasWarning('web-1', entries, '203.0.113.7') ?? '',
      /Host "web-1" in .*config, line 3, is the entry for 203\.0\.113\.9\. Press Enter again to point it at 203\.0\.113\.7 instead\./,
    );
    assert.equal(aliasWarning('web-1', entries, '203.0.113.9'), undefined);
  });
});

describe('flows/hostEntry: never open another host than the one picked (issue 18, real ssh -G)', () => {
  it('an entry in an included file wins: nothing to open, and the message says what wins and where', async () => {
    // Before: planHostEntry looked only at the main file, wrote "Host web-1" after the Include,
    // and Connect opened `ssh web-1` (to prod-web.internal as deploy) after a mere warning.
    const { dir, config } = layout('', { prod: 'Host web*\n  HostName prod-web.internal\n  User deploy\n' });
    const entry: HostEntry = {
      alias: 'web-1',
      hostName: '203.0.113.7',
      user: 'root',
      identityFile: path.join(dir, 'k'),
    };
    const before = await entriesOf(config, dir);
    assert.equal(
      planHostEntry(fs.readFileSync(config), entry, { home: dir }).outcome,
      'added',
      'the main file alone says nothing',
    );
    assert.match(aliasWarning('web-1', before, '203.0.113.7') ?? '', /matches "web\*" in .*config\.d\/prod, line 1/);

    await writeHostEntry({ configPath: config, entry, home: dir });
    const check = await checkWithSsh({ configPath: config, configArgs: ['-F', config], entry, home: dir });
    assert.equal(check.status, 'overridden');
    const verdict = judgeSshCheck(check, 'web-1', 'web-1', await entriesOf(config, dir), describe_('web-1'));
    assert.equal(verdict.open, false);
    assert.ok(!verdict.open);
    const prod = fs.realpathSync(path.join(dir, 'config.d', 'prod'));
    assert.deepEqual(verdict.wins, [
      { option: 'HostName', value: 'prod-web.internal', place: { path: prod, line: 2 } },
      { option: 'User', value: 'deploy', place: { path: prod, line: 3 } },
    ]);
    assert.match(
      verdict.text,
      /^Nothing was opened: for "ssh web-1" another entry wins: HostName prod-web\.internal \(set in .*config\.d\/prod, line 2\); User deploy \(set in .*config\.d\/prod, line 3\)\. That is not server "web-1"; choose another alias\.$/,
    );
  });

  it('opens when the entry wins, or when only the key order differs (a warning)', async () => {
    const { dir, config } = layout('Host *\n  IdentityFile ~/.ssh/other\n');
    const entry: HostEntry = { alias: 'app', hostName: '203.0.113.8', user: 'root', identityFile: path.join(dir, 'k') };
    await writeHostEntry({ configPath: config, entry, home: dir });
    const ok = judgeSshCheck(
      await checkWithSsh({ configPath: config, entry, home: dir }),
      'app',
      'app',
      [],
      describe_('app'),
    );
    assert.deepEqual(ok, { open: true, severity: 'info', text: 'ssh -G confirms that "ssh app" uses it.' });
    fs.writeFileSync(config, `IdentityFile ~/.ssh/first\n${fs.readFileSync(config, 'utf8')}`);
    const keyFirst = judgeSshCheck(
      await checkWithSsh({ configPath: config, entry, home: dir }),
      'app',
      'app',
      [],
      describe_('app'),
    );
    assert.equal(keyFirst.open, true);
    assert.ok(keyFirst.open && keyFirst.severity === 'warning', JSON.stringify(keyFirst));
  });
});

describe('flows/connect: how the host is opened (issue 18)', () => {
  it('either Remote-SSH extension: vscode.newWindow with the ssh-remote authority, as both do', () => {
    for (const id of ['ms-vscode-remote.remote-ssh', 'jeanp413.open-remote-ssh']) {
      assert.deepEqual(chooseOpener({ alias: 'web-1', installed: [id], configArgs: [] }), {
        kind: 'window',
        remoteAuthority: 'ssh-remote+web-1',
      });
    }
    // VS Code lower-cases authorities and ssh's Host match is case-sensitive: such an alias goes hex-encoded.
    const encoded = remoteAuthority('Web1');
    assert.equal(JSON.parse(Buffer.from(encoded.replace('ssh-remote+', ''), 'hex').toString('utf8')).hostName, 'Web1');
  });

  it('a terminal otherwise, or in a window whose UI is elsewhere; -F only for a file that is not the default', () => {
    // Before: the terminal always ran `ssh -F <config> <alias>`, which skips /etc/ssh/ssh_config.
    assert.deepEqual(chooseOpener({ alias: 'web-1', installed: [], configArgs: [] }), {
      kind: 'terminal',
      shellPath: 'ssh',
      shellArgs: ['web-1'],
    });
    assert.deepEqual(
      chooseOpener({
        alias: 'web-1',
        remoteName: 'ssh-remote',
        installed: ['ms-vscode-remote.remote-ssh'],
        configArgs: ['-F', '/c'],
      }),
      { kind: 'terminal', shellPath: 'ssh', shellArgs: ['-F', '/c', 'web-1'] },
    );
  });
});
