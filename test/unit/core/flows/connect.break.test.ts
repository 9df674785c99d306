// Breaking Connect to Server… and Add to SSH Config (issue 18's guarantees), on real config
// files in temp folders and checked with the real `ssh -G`: two windows at once, Add run on an
// alias Connect wrote, `Match host` (which ssh matches without case), a config file reached
// through a symlink or another spelling of an open folder, and a Remote-SSH window that would
// read another file than the one written.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  aliasOwner,
  aliasProblem,
  aliasWarning,
  configEntries,
  judgeSshCheck,
  ourEntrySeen,
  suggestHostAlias,
} from '../../../../src/core/flows/hostEntry';
import { chooseOpener } from '../../../../src/core/flows/connect';
import { describeSshCheck } from '../../../../src/core/wording/sshCheck';
import { checkWithSsh } from '../../../../src/core/ssh/config/check';
import { HostEntry, planHostEntry, writeHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import { chooseSshConfigTarget, readConfigTree } from '../../../../src/core/ssh/config/tree';
import { must } from '../../../support/must';
import { Sshd, sshdProblem, startSshd } from '../../../support/sshd';
import { keygenKey, makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { sshG } from '../../helpers/sshG';
import { configLayout, entriesOf } from '../../helpers/sshConfigLayout';

const cleanup: string[] = [];
after(() => removeTempDirs(cleanup));

const layout = (main: string, included: Record<string, string> = {}) => configLayout(cleanup, main, included);

describe('break Connect: two windows at once', () => {
  it('two servers with the same suggested alias: the second window does not move the first one’s entry', async () => {
    // Before: both windows suggested "web" (nothing had it yet); the second write found "our"
    // entry for "web" (the first window's, a second old) and pointed it at its own server: the
    // first window's Remote-SSH window, still connecting, then reached the second server.
    const { dir, config } = layout('');
    const identityFile = path.join(dir, 'k');
    const [seenA, seenB] = await Promise.all([entriesOf(config, dir), entriesOf(config, dir)]);
    const entryA: HostEntry = {
      alias: suggestHostAlias('web', seenA, '203.0.113.1'),
      hostName: '203.0.113.1',
      identityFile,
    };
    const entryB: HostEntry = {
      alias: suggestHostAlias('web', seenB, '203.0.113.2'),
      hostName: '203.0.113.2',
      identityFile,
    };
    assert.equal(entryA.alias, 'web');
    assert.equal(entryB.alias, 'web');
    const [a, b] = await Promise.all([
      writeHostEntry({ configPath: config, entry: entryA, home: dir, ourEntry: ourEntrySeen(entryA.alias, seenA) }),
      writeHostEntry({ configPath: config, entry: entryB, home: dir, ourEntry: ourEntrySeen(entryB.alias, seenB) }),
    ]);
    // Either window may write first: one adds, the other finds the alias taken by the first's
    // server and moves nothing.
    assert.deepEqual([a.outcome, b.outcome].sort(), ['added', 'taken']);
    const [winner, loser] = a.outcome === 'added' ? [entryA, b] : [entryB, a];
    assert.ok(loser.outcome === 'taken' && loser.hostName === winner.hostName, JSON.stringify(loser));
    assert.equal(sshG(config, 'web').get('hostname')?.[0], winner.hostName);
    assert.equal(fs.readFileSync(config, 'utf8').match(/^Host web$/gm)?.length, 1);
  });

  it('the same server from two windows: the second finds its own entry and goes on', async () => {
    const { dir, config } = layout('');
    const identityFile = path.join(dir, 'k');
    const seen = await entriesOf(config, dir);
    const entry: HostEntry = { alias: 'web', hostName: '203.0.113.1', user: 'root', identityFile };
    const [a, b] = await Promise.all([
      writeHostEntry({ configPath: config, entry, home: dir, ourEntry: ourEntrySeen('web', seen) }),
      writeHostEntry({ configPath: config, entry, home: dir, ourEntry: ourEntrySeen('web', seen) }),
    ]);
    assert.deepEqual([a.outcome, b.outcome].sort(), ['added', 'unchanged']);
  });

  it('an entry the user agreed to move (they saw it point at A) is moved; one that changed since is not', async () => {
    const { dir, config } = layout('');
    const identityFile = path.join(dir, 'k');
    await writeHostEntry({
      configPath: config,
      entry: { alias: 'web', hostName: '203.0.113.1', identityFile },
      home: dir,
    });
    const seen = await entriesOf(config, dir);
    assert.deepEqual(ourEntrySeen('web', seen), { hostName: '203.0.113.1' });
    // Another window points it at .3 meanwhile: what the user agreed to (moving it away from .1) no longer holds.
    await writeHostEntry({
      configPath: config,
      entry: { alias: 'web', hostName: '203.0.113.3', identityFile },
      home: dir,
    });
    const late = await writeHostEntry({
      configPath: config,
      entry: { alias: 'web', hostName: '203.0.113.2', identityFile },
      home: dir,
      ourEntry: ourEntrySeen('web', seen),
    });
    assert.equal(late.outcome, 'taken');
    assert.equal(sshG(config, 'web').get('hostname')?.[0], '203.0.113.3');
    const moved = await writeHostEntry({
      configPath: config,
      entry: { alias: 'web', hostName: '203.0.113.2', identityFile },
      home: dir,
      ourEntry: ourEntrySeen('web', await entriesOf(config, dir)),
    });
    assert.equal(moved.outcome, 'updated');
    assert.equal(sshG(config, 'web').get('hostname')?.[0], '203.0.113.2');
  });
});

describe('break Add to SSH Config: an alias Connect wrote', () => {
  it('warns before replacing our entry for another server (Add does not know the address yet)', async () => {
    // Before: no warning (aliasWarning only compared addresses when given one); Add with an empty
    // HostName then removed the HostName line of Connect's "web" entry, and "ssh web" went to
    // whatever the name "web" resolves to.
    const { dir, config } = layout('');
    const identityFile = path.join(dir, 'k');
    await writeHostEntry({
      configPath: config,
      entry: { alias: 'web', hostName: '203.0.113.1', user: 'ubuntu', identityFile },
      home: dir,
    });
    const entries = await entriesOf(config, dir);
    assert.match(
      aliasWarning('web', entries) ?? '',
      /^Host "web" in .*config, line 3, is the entry for 203\.0\.113\.1\. Press Enter again to replace it\.$/,
    );
    assert.notEqual(suggestHostAlias('web', entries), 'web');
  });
});

describe('break Connect: Match host is matched without case by ssh', () => {
  it("a server named like the user's `Match host Web` is not given that alias, and a typed one is refused", async () => {
    // ssh compares `Match host` lists without case (and Host lines with case): "ssh web" reaches
    // prod.internal below. Before: "web" was free, written before the Match block, and from then
    // on "ssh web" went to the cloud server.
    const { dir, config } = layout('Match host Web\n  HostName prod.internal\n');
    assert.equal(sshG(config, 'web').get('hostname')?.[0], 'prod.internal');
    const entries = await entriesOf(config, dir);
    assert.equal(aliasOwner('web', entries)?.kind, 'user');
    assert.notEqual(suggestHostAlias('web', entries, '203.0.113.1'), 'web');
    assert.match(aliasProblem('web', entries) ?? '', /already your own entry in .*config, line 3/);
    const plan = planHostEntry(fs.readFileSync(config), {
      alias: 'web',
      hostName: '203.0.113.1',
      identityFile: path.join(dir, 'k'),
    });
    assert.equal(plan.outcome, 'exists');
  });

  it('Host lines keep their case: a server "Web" next to the user\'s "Host web" keeps its own alias', async () => {
    const { dir, config } = layout('Host web\n  HostName prod.internal\n');
    const entries = await entriesOf(config, dir);
    const alias = suggestHostAlias('Web', entries, '203.0.113.1');
    await writeHostEntry({
      configPath: config,
      entry: { alias, hostName: '203.0.113.1', identityFile: path.join(dir, 'k') },
      home: dir,
    });
    assert.equal(sshG(config, 'web').get('hostname')?.[0], 'prod.internal');
  });
});

describe('break Connect: which file Remote-SSH reads', () => {
  it('the user’s remote.SSH.configFile inside an open folder: the entry goes elsewhere, so no Remote-SSH window', () => {
    // Remote-SSH reads the user's own setting; Connect, refusing a file inside the workspace,
    // writes ~/.ssh/config. Before: it still opened `ssh-remote+web`, and Remote-SSH, not
    // finding "web" in the file it reads, connected to whatever "web" resolves to.
    const target = chooseSshConfigTarget({
      userValue: '/work/repo/ssh_config',
      workspaceFolders: ['/work/repo'],
      remote: false,
      home: '/home/ann',
    });
    assert.equal(target.ignored?.reason, 'inside-workspace');
    assert.deepEqual(
      chooseOpener({ alias: 'web', installed: ['ms-vscode-remote.remote-ssh'], configArgs: [], target }),
      { kind: 'terminal', shellPath: 'ssh', shellArgs: ['web'] },
    );
    // The user's own file, or one a workspace tried to set (ignored by Remote-SSH too): a window.
    for (const other of [
      chooseSshConfigTarget({ workspaceFolders: ['/work/repo'], remote: false, home: '/home/ann' }),
      chooseSshConfigTarget({
        workspaceValue: 'x',
        workspaceFolders: ['/work/repo'],
        remote: false,
        home: '/home/ann',
      }),
    ]) {
      assert.equal(
        chooseOpener({ alias: 'web', installed: ['jeanp413.open-remote-ssh'], configArgs: [], target: other }).kind,
        'window',
      );
    }
  });

  it('a user path that is a symlink into an open folder, or another spelling of it, is inside that folder', () => {
    const dir = makeTempDir(cleanup);
    const repo = path.join(dir, 'repo');
    fs.mkdirSync(repo);
    fs.writeFileSync(path.join(repo, 'ssh_config'), 'Match exec "touch pwned"\n');
    fs.symlinkSync(path.join(repo, 'ssh_config'), path.join(dir, 'my_config'));
    fs.symlinkSync(repo, path.join(dir, 'repo-link'));
    const choose = (userValue: string, folder: string) =>
      chooseSshConfigTarget({ userValue, workspaceFolders: [folder], remote: false, home: dir });
    // Before: only the spelling was compared, so each of these was "outside" and written through.
    assert.equal(choose(path.join(dir, 'my_config'), repo).ignored?.reason, 'inside-workspace');
    assert.equal(
      choose(path.join(repo, 'ssh_config'), path.join(dir, 'repo-link')).ignored?.reason,
      'inside-workspace',
    );
    assert.equal(choose(path.join(dir, 'repo-link', 'ssh_config'), `${repo}/`).ignored?.reason, 'inside-workspace');
    assert.equal(choose(path.join(dir, 'elsewhere'), repo).ignored, undefined);
  });
});

describe('break Connect: names others write, through alias, entry, terminal argv and window authority (real sshd)', () => {
  let sshd: Sshd | undefined;
  let dir: string;
  let key: string;
  before(async function () {
    if (sshdProblem()) this.skip();
    dir = makeTempDir(cleanup);
    const made = keygenKey(dir, 'ed25519');
    key = made.privatePath;
    sshd = await startSshd({ authorizedKeys: [made.publicLine] });
  });
  after(async () => sshd?.stop());

  it('every hostile server name becomes an alias that logs in to the picked server and nowhere else, running nothing', async () => {
    const server = must(sshd, 'sshd');
    const marker = path.join(dir, 'pwned');
    const { config } = layout('');
    // What the user's config says first, so the test's ssh never prompts or reads the account's files.
    fs.writeFileSync(
      config,
      `UserKnownHostsFile ${server.knownHostsFile}\nGlobalKnownHostsFile /dev/null\nBatchMode yes\n` +
        `Include ${dir}/config.d/*\n\nHost other-host\n  HostName 192.0.2.99\n`,
    );
    const names = [
      `-oProxyCommand=touch ${marker}`,
      '%d',
      '${HOME}',
      `web\nProxyCommand touch ${marker}`,
      'Host *',
      'Match all',
      'wеb', // Cyrillic е
      'x'.repeat(300),
      'Web',
      'web',
      'other.host', // suggests "other-host": the user's own entry has it
    ];
    const aliases: string[] = [];
    for (const name of names) {
      const entries = await entriesOf(config, dir);
      const alias = suggestHostAlias(name, entries, server.address);
      assert.equal(aliasProblem(alias, entries), undefined, name);
      aliases.push(alias);
      const written = await writeHostEntry({
        configPath: config,
        entry: { alias, hostName: server.address, user: server.user, identityFile: key },
        ourEntry: ourEntrySeen(alias, entries),
      });
      assert.equal(written.outcome, 'added', `${name} -> ${alias}`);
      const how = chooseOpener({ alias, installed: [], configArgs: ['-F', config] });
      assert.ok(how.kind === 'terminal');
      const result = spawnSync('ssh', [...how.shellArgs, 'echo logged-in'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(result.stdout.trim(), 'logged-in', `${JSON.stringify(name)} as ${alias}: ${result.stderr}`);
      const window = chooseOpener({ alias, installed: ['jeanp413.open-remote-ssh'], configArgs: [] });
      assert.ok(window.kind === 'window');
      const host = window.remoteAuthority.replace(/^ssh-remote\+/, '');
      const decoded = /^[a-z0-9._-]+$/.test(alias)
        ? host
        : JSON.parse(Buffer.from(host, 'hex').toString('utf8')).hostName;
      assert.equal(decoded, alias);
    }
    assert.equal(new Set(aliases).size, names.length, aliases.join(' '));
    assert.ok(
      aliases.every((a) => /^[A-Za-z0-9_-]+$/.test(a) && !a.startsWith('-')),
      aliases.join(' '),
    );
    assert.equal(fs.existsSync(marker), false, 'no ProxyCommand ran');
    // Nothing written captures another name: the user's entry and unknown names resolve as before.
    assert.equal(sshG(config, 'other-host').get('hostname')?.[0], '192.0.2.99');
    assert.equal(sshG(config, 'other.host').get('hostname')?.[0], 'other.host');
    assert.equal(sshG(config, 'anything').get('hostname')?.[0], 'anything');
  });
});

describe('break Connect: a value set for every host wins', () => {
  for (const [what, main, included] of [
    ['a global User line at the top of the config', 'User me\n', ''],
    ['a `Host *` block with HostName in an included file', '', 'Host *\n  HostName %h.corp.example\n'],
    ['a `Match all` block with User in an included file', '', 'Match all\n  User me\n'],
  ] as const) {
    it(`${what}: nothing opens, and the message does not send the user to choose another alias (no alias helps)`, async () => {
      // Before: "…That is not server "web"; choose another alias." with a Choose Another Alias
      // button: every alias got the same answer, a loop with no way out.
      const { dir, config } = layout(main, included ? { corp: included } : {});
      if (main) fs.writeFileSync(config, `${main}Include ${dir}/config.d/*\n`);
      const entry: HostEntry = {
        alias: 'web',
        hostName: '203.0.113.7',
        user: 'root',
        identityFile: path.join(dir, 'k'),
      };
      await writeHostEntry({ configPath: config, entry, home: dir });
      const check = await checkWithSsh({ configPath: config, entry, home: dir });
      assert.equal(check.status, 'overridden');
      const verdict = judgeSshCheck(check, 'web', 'web', await entriesOf(config, dir), (c) =>
        describeSshCheck(c, 'web'),
      );
      assert.ok(!verdict.open);
      assert.equal(verdict.anotherAliasHelps, false);
      assert.doesNotMatch(verdict.text, /choose another alias/i);
      assert.match(verdict.text, /applies to every host/);
    });
  }

  it('an entry for some names only: another alias helps, and the message says so', async () => {
    const { dir, config } = layout('', { prod: 'Host web*\n  HostName prod.internal\n' });
    const entry: HostEntry = { alias: 'web', hostName: '203.0.113.7', identityFile: path.join(dir, 'k') };
    await writeHostEntry({ configPath: config, entry, home: dir });
    const check = await checkWithSsh({ configPath: config, entry, home: dir });
    const verdict = judgeSshCheck(check, 'web', 'web', await entriesOf(config, dir), (c) => describeSshCheck(c, 'web'));
    assert.ok(!verdict.open && verdict.anotherAliasHelps);
    assert.match(verdict.text, /choose another alias\.$/);
  });
});

describe('break Connect: a user remote.SSH.configFile that is not an absolute path', () => {
  for (const value of ['ssh_config', './ssh_config', '${workspaceFolder}/ssh_config', '~root/.ssh/config']) {
    it(`${JSON.stringify(value)} is not used (it would be read from the extension host's working folder)`, () => {
      // Before: path.resolve() made it <cwd>/…; Connect created that folder (a "${workspaceFolder}"
      // folder in the cwd) and wrote there, and Remote-SSH read another file.
      const target = chooseSshConfigTarget({
        userValue: value,
        workspaceFolders: [],
        remote: false,
        home: '/home/ann',
      });
      assert.deepEqual(target, {
        path: '/home/ann/.ssh/config',
        isDefault: true,
        ignored: { value, reason: 'not-absolute' },
      });
      assert.equal(
        chooseOpener({ alias: 'web', installed: ['ms-vscode-remote.remote-ssh'], configArgs: [], target }).kind,
        'terminal',
      );
    });
  }
  it('"~/x" and an absolute path are used', () => {
    const choose = (userValue: string) =>
      chooseSshConfigTarget({ userValue, workspaceFolders: [], remote: false, home: '/home/ann' });
    assert.equal(choose('~/x').path, '/home/ann/x');
    assert.equal(choose('/etc/ssh/mine').path, '/etc/ssh/mine');
  });
});

describe('break Connect: CanonicalizeHostname with CanonicalDomains', () => {
  it('"web" is short for the user\'s web.corp.example: not suggested, and a typed one is warned about', async () => {
    // With these lines "ssh web" reaches web.corp.example (when it resolves); an entry "Host web"
    // with the cloud server's address is read first and takes it over. Before: "web" suggested silently.
    const { dir, config } = layout('Host web.corp.example\n  User deploy\n', {
      corp: 'CanonicalizeHostname yes\nCanonicalDomains other.example corp.example\n',
    });
    const entries = await entriesOf(config, dir);
    assert.equal(suggestHostAlias('web', entries, '203.0.113.7'), 'web-2');
    assert.match(
      aliasWarning('web', entries, '203.0.113.7') ?? '',
      /^"web" is short for web\.corp\.example here \(CanonicalizeHostname with CanonicalDomains\), the host of your entry in .*config, line 3/,
    );
    assert.equal(aliasWarning('db', entries, '203.0.113.7'), undefined);
  });
});

describe('break Connect: a config ssh refuses as a whole', () => {
  // DEFECT (left open): an Include loop (a file in config.d including the main config) makes
  // ssh refuse every connection ("Too many recursive configuration includes"). readConfigTree
  // reads each file once and lists no problem; Connect writes its entry, `ssh -G` fails, the
  // verdict is 'not-checked' (an info message), and Connect opens a terminal or Remote-SSH
  // window that fails the same way. It should name the loop and open nothing.
  it('an Include loop is a problem of the tree, and a failed ssh -G opens nothing', async () => {
    const { dir, config } = layout('Host *\n  ServerAliveInterval 5\n');
    fs.writeFileSync(path.join(dir, 'config.d', 'loop'), `Include ${config}\n`);
    const tree = await readConfigTree(config, { home: dir });
    assert.equal(tree.problems.length, 1);
    const entry: HostEntry = { alias: 'web', hostName: '203.0.113.7', identityFile: path.join(dir, 'k') };
    await writeHostEntry({ configPath: config, entry, home: dir });
    const check = await checkWithSsh({ configPath: config, entry, home: dir });
    assert.equal(check.status, 'not-checked');
    const verdict = judgeSshCheck(check, 'web', 'web', configEntries(tree), (c) => describeSshCheck(c, 'web'));
    assert.equal(verdict.open, false);
  });
});
