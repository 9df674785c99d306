// Connect to Server…'s decisions and flow (src/core/flows/connect.ts) in plain Node: a scripted
// StepInput answers the steps as a user would, the entry is written to a real config file in a
// temp folder and checked with the real `ssh -G`. What the user would see (what is asked, what
// is told) and find on disk (the entry, or nothing changed) is asserted.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACK, InputStep, StepInput, StepPick } from '../../../../src/core/ask/wizard';
import type { Server } from '../../../../src/core/api/servers';
import {
  aliasesToAvoid,
  ConnectNotice,
  connectProblem,
  ConnectRun,
  connectToServer,
  ignoredConfigNotice,
  loginUserPrompt,
  validateLoginUser,
} from '../../../../src/core/flows/connect';
import type { ServerNode } from '../../../../src/core/flows/keyPairList';
import type { ServerAddress } from '../../../../src/core/servers/addresses';
import type { LoginUserGuess } from '../../../../src/core/servers/loginUser';
import { knownHostsPath } from '../../../../src/core/ssh/knownHosts';
import { describeSshCheck } from '../../../../src/core/wording/sshCheck';
import { keygenKey, makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { sshG } from '../../helpers/sshG';

const cleanup: string[] = [];
after(() => removeTempDirs(cleanup));

const address = (ip: string, rank: ServerAddress['rank'] = 'floating'): ServerAddress => ({
  ip,
  version: 4,
  network: 'public',
  rank,
});

function serverNode(opts: { name?: string; status?: string; addresses?: ServerAddress[]; privatePath?: string }) {
  const server: Server = {
    id: 'a1b2c3d4-0000-4000-8000-000000000001',
    name: opts.name ?? 'web',
    status: opts.status ?? 'ACTIVE',
    keyName: 'deploy',
    addresses: opts.addresses ?? [address('203.0.113.10')],
    bootedFromVolume: false,
    metadata: {},
  };
  const local = opts.privatePath
    ? { privatePath: opts.privatePath, publicPath: `${opts.privatePath}.pub`, fingerprint: 'aa' }
    : undefined;
  const node: ServerNode = {
    kind: 'server',
    server,
    keyPair: { kind: 'keypair', keyPair: { name: 'deploy', publicKey: 'x', fingerprint: 'aa' }, local },
  };
  return node;
}

type Asked = { kind: 'input' | 'pick'; prompt: string; value?: string; labels?: string[]; details?: string[] };

/**
 * Answers each step with `answer(step)` (undefined: Enter on what is shown; BACK; null: Escape).
 * Enter runs the box's check; a warning is read and Enter pressed again, as the box asks.
 */
function user(answer: (step: Asked) => string | null | typeof BACK | undefined = () => undefined) {
  const asked: Asked[] = [];
  const warnings: string[] = [];
  const ui: StepInput = {
    async input(s: InputStep) {
      const step: Asked = { kind: 'input', prompt: s.prompt, value: s.value };
      asked.push(step);
      const a = answer(step);
      if (a === null) return undefined;
      if (a === BACK) return BACK;
      const typed = a ?? s.value ?? '';
      assert.equal(s.validate?.(typed), undefined, `"${typed}" refused`);
      const warning = await s.check?.(typed, new AbortController().signal);
      if (warning) {
        warnings.push(warning);
        assert.equal(await s.check?.(typed, new AbortController().signal), undefined, 'Enter again goes on');
      }
      return typed;
    },
    async pick<T>(s: StepPick<T>) {
      const step: Asked = {
        kind: 'pick',
        prompt: s.placeholder,
        labels: s.items.map((i) => i.label),
        details: s.items.map((i) => i.detail ?? ''),
      };
      asked.push(step);
      const a = answer(step);
      if (a === null) return undefined;
      if (a === BACK) return BACK;
      const item =
        a === undefined
          ? (s.items.find((i) => i.value === s.active) ?? s.items[0])
          : s.items.find((i) => i.label === a);
      assert.ok(item, `no item ${a}`);
      return item.value;
    },
  };
  return { ui, asked, warnings };
}

/** A run against a temp home with `config` as the SSH config; what it told and logged is recorded. */
function setup(main = '') {
  const home = makeTempDir(cleanup);
  const sshDir = path.join(home, '.ssh');
  fs.mkdirSync(sshDir, { mode: 0o700 });
  const key = keygenKey(sshDir, 'ed25519');
  const config = path.join(sshDir, 'config');
  if (main) fs.writeFileSync(config, main, { mode: 0o600 });
  const told: ConnectNotice[] = [];
  const logged: string[] = [];
  const run = (overrides: Partial<ConnectRun> & Pick<ConnectRun, 'node' | 'ui'>) =>
    connectToServer({
      sshDirectory: sshDir,
      config: { path: config, isDefault: false },
      avoidAliases: [],
      guessUser: async () => ({ user: 'ubuntu', source: 'os_distro', reason: "from the image's os_distro: ubuntu" }),
      describeCheck: describeSshCheck,
      tell: (notice) => told.push(notice),
      log: { info: (l) => logged.push(l), warn: (l) => logged.push(l), error: (l) => logged.push(l) },
      home,
      ...overrides,
    });
  const text = () => (fs.existsSync(config) ? fs.readFileSync(config, 'utf8') : undefined);
  return { home, sshDir, key, config, told, logged, run, text };
}

describe('Connect decides (core/flows/connect)', function () {
  this.timeout(30000);

  describe('connectProblem: what makes a server unreachable from here', () => {
    it('the private key elsewhere, a server not ACTIVE, or without an address', () => {
      assert.equal(
        connectProblem(serverNode({}), '/home/u/.ssh'),
        'The private key of key pair "deploy" is not in /home/u/.ssh, so "web" can\'t be reached from this machine.',
      );
      assert.equal(
        connectProblem(serverNode({ privatePath: '/k', status: 'SHUTOFF' }), '/s'),
        'Server "web" is SHUTOFF, not ACTIVE: start it first.',
      );
      assert.equal(
        connectProblem(serverNode({ privatePath: '/k', addresses: [] }), '/s'),
        'Server "web" has no IP address to connect to.',
      );
      assert.equal(connectProblem(serverNode({ privatePath: '/k' }), '/s'), undefined);
    });

    it('the flow tells the problem and asks nothing, writes nothing', async () => {
      const t = setup();
      const u = user();
      assert.equal(
        await t.run({ node: serverNode({ status: 'ERROR', privatePath: t.key.privatePath }), ui: u.ui }),
        undefined,
      );
      assert.deepEqual(t.told, [{ severity: 'error', text: 'Server "web" is ERROR, not ACTIVE: start it first.' }]);
      assert.deepEqual(u.asked, []);
      assert.equal(t.text(), undefined);
    });
  });

  describe('the login user', () => {
    it('validateLoginUser: required, and a word a User line can carry', () => {
      assert.equal(validateLoginUser('  '), 'Enter the user to log in as.');
      assert.ok(validateLoginUser('a b'));
      assert.equal(validateLoginUser(' ubuntu '), undefined);
    });

    it("loginUserPrompt: the guess with its reason, or examples when the image doesn't say", () => {
      const guess: LoginUserGuess = { user: 'root', source: 'rackspace', reason: 'Rackspace images log in as root' };
      assert.equal(
        loginUserPrompt(guess),
        'User to log in as (guessed Rackspace images log in as root; change it if needed)',
      );
      assert.equal(loginUserPrompt(undefined), "User to log in as (the image doesn't say; e.g. root, ubuntu, debian)");
    });
  });

  it('aliasesToAvoid: what Choose Another Alias passes back (strings only), nothing for anything else', () => {
    assert.deepEqual(aliasesToAvoid({ ...serverNode({}), avoidAliases: ['web', 3, 'web-2'] }), ['web', 'web-2']);
    assert.deepEqual(aliasesToAvoid(serverNode({})), []);
    assert.deepEqual(aliasesToAvoid(undefined), []);
  });

  it('ignoredConfigNotice: logged always, a warning except in a remote window', () => {
    const base = { path: '/home/u/.ssh/config', isDefault: true };
    assert.equal(ignoredConfigNotice(base), undefined);
    const remote = ignoredConfigNotice({ ...base, ignored: { value: '/x', reason: 'remote-window' } });
    assert.deepEqual(remote, {
      log: 'remote.SSH.configFile "/x" not used (remote-window); SSH config: /home/u/.ssh/config',
    });
    const workspace = ignoredConfigNotice({ ...base, ignored: { value: '/repo/cfg', reason: 'workspace-value' } });
    assert.match(workspace?.warning ?? '', /^This workspace sets remote\.SSH\.configFile to "\/repo\/cfg"\./);
    assert.match(
      ignoredConfigNotice({ ...base, ignored: { value: 'rel', reason: 'not-absolute' } })?.warning ?? '',
      /not an absolute path/,
    );
    assert.match(
      ignoredConfigNotice({ ...base, ignored: { value: '/w/c', reason: 'inside-workspace' } })?.warning ?? '',
      /inside an open workspace folder/,
    );
  });

  describe('connectToServer: ask, write, check', () => {
    it('suggests the best address, the guessed user and a free alias; writes the entry ssh then uses', async () => {
      const t = setup('Host web\n  HostName 198.51.100.1\n');
      const node = serverNode({
        privatePath: t.key.privatePath,
        addresses: [address('203.0.113.10'), address('10.0.0.5', 'fixed')],
      });
      const u = user();
      const ready = await t.run({ node, ui: u.ui });
      assert.deepEqual(ready, { alias: 'web-2', configPath: t.config, configArgs: ['-F', t.config] });
      assert.deepEqual(
        u.asked.map((a) => [a.kind, a.value ?? a.labels?.join(' ')]),
        [
          ['pick', '203.0.113.10 10.0.0.5'],
          ['input', 'ubuntu'],
          ['input', 'web-2'],
        ],
        "the user's own Host web is not suggested",
      );
      assert.equal(u.asked[0]?.details?.[0], 'Recommended');
      assert.equal(
        u.asked[1]?.prompt,
        "User to log in as (guessed from the image's os_distro: ubuntu; change it if needed)",
      );
      const resolved = sshG(t.config, 'web-2');
      assert.deepEqual(resolved.get('hostname'), ['203.0.113.10']);
      assert.deepEqual(resolved.get('user'), ['ubuntu']);
      assert.deepEqual(resolved.get('identityfile'), [`~/.ssh/${path.basename(t.key.privatePath)}`], 'under the home');
      assert.deepEqual(resolved.get('hostkeyalias'), ['server-a1b2c3d4-0000-4000-8000-000000000001']);
      const knownHosts = path.basename(knownHostsPath(t.home));
      assert.match(
        t.text() ?? '',
        new RegExp(`\\n  UserKnownHostsFile ~/\\.ssh/${knownHosts} ~/\\.ssh/known_hosts\\n`),
      );
      assert.deepEqual(resolved.get('stricthostkeychecking'), ['true']);
      assert.deepEqual(t.told, [], 'ssh -G confirms: nothing to warn about');
    });
    it('one address: no address step; the second address when the user picks it', async () => {
      const t = setup();
      const one = user();
      await t.run({ node: serverNode({ privatePath: t.key.privatePath }), ui: one.ui });
      assert.deepEqual(
        one.asked.map((a) => a.kind),
        ['input', 'input'],
      );
      const t2 = setup();
      const two = user((step) => (step.kind === 'pick' ? '10.0.0.5' : undefined));
      const node = serverNode({
        privatePath: t2.key.privatePath,
        addresses: [address('203.0.113.10'), address('10.0.0.5', 'fixed')],
      });
      await t2.run({ node, ui: two.ui });
      assert.deepEqual(sshG(t2.config, 'web').get('hostname'), ['10.0.0.5']);
    });

    it('no guess: the user box is empty and says so; Escape there writes nothing', async () => {
      const t = setup();
      const u = user((step) => (step.kind === 'input' ? null : undefined));
      const ready = await t.run({
        node: serverNode({ privatePath: t.key.privatePath }),
        ui: u.ui,
        guessUser: async () => undefined,
      });
      assert.equal(ready, undefined);
      assert.deepEqual(u.asked, [
        {
          kind: 'input',
          prompt: "User to log in as (the image doesn't say; e.g. root, ubuntu, debian)",
          value: undefined,
        },
      ]);
      assert.equal(t.text(), undefined);
      assert.deepEqual(t.told, []);
    });

    it('the address is asked while the login hints and the console are read; Escape there aborts both, nothing contacted', async () => {
      const t = setup();
      let hintsRead = false;
      let hintsSignal: AbortSignal | undefined;
      let consoleSignal: AbortSignal | undefined;
      const u = user((step) => {
        assert.equal(step.kind, 'pick');
        assert.equal(hintsRead, false, 'the address is shown before the hints arrive');
        assert.ok(consoleSignal && !consoleSignal.aborted, 'the console read is under way');
        return null;
      });
      const ready = await t.run({
        // Loopback only: nothing else may be contacted (and Escape comes before any contact).
        node: serverNode({ privatePath: t.key.privatePath, addresses: [address('127.0.0.1'), address('127.0.0.2')] }),
        ui: u.ui,
        guessUser: (signal) =>
          new Promise((resolve) => {
            hintsSignal = signal;
            setTimeout(() => {
              hintsRead = true;
              resolve(undefined);
            }, 300);
          }),
        readConsole: (signal) => {
          consoleSignal = signal;
          return new Promise(() => undefined);
        },
      });
      assert.equal(ready, undefined);
      assert.equal(u.asked.length, 1);
      assert.ok(hintsSignal?.aborted, 'the hints read is aborted');
      assert.ok(consoleSignal?.aborted, 'the console read is aborted');
      assert.equal(t.text(), undefined);
    });

    it('Choose Another Alias: the aliases found not to work are not suggested again', async () => {
      const t = setup();
      const u = user();
      const ready = await t.run({
        node: serverNode({ privatePath: t.key.privatePath }),
        ui: u.ui,
        avoidAliases: ['web', 'web-2'],
      });
      assert.equal(ready?.alias, 'web-3');
    });

    it("another window makes the alias the user's own meanwhile: nothing changed, no retry offered", async () => {
      const t = setup();
      const theirs = 'Host web\n  HostName 192.0.2.99\n';
      const u = user((step) => {
        if (step.prompt.startsWith('Host alias')) fs.writeFileSync(t.config, theirs);
        return undefined;
      });
      assert.equal(await t.run({ node: serverNode({ privatePath: t.key.privatePath }), ui: u.ui }), undefined);
      assert.equal(t.text(), theirs, 'the file as the other window left it');
      assert.deepEqual(t.told, [
        {
          severity: 'error',
          text: `Host "web" is already your own entry in ${t.config}; nothing was changed. Choose another alias.`,
        },
      ]);
    });

    it('another window points our entry elsewhere meanwhile: nothing changed, the same server offered with another alias', async () => {
      const t = setup();
      const u = user((step) => {
        if (!step.prompt.startsWith('Host alias')) return undefined;
        fs.writeFileSync(
          t.config,
          'Host web\n  # Added by Server Key Pairs (VS Code)\n  HostName 192.0.2.7\n  IdentityFile /k\n  IdentitiesOnly yes\n',
        );
        return undefined;
      });
      const before = () => t.text();
      assert.equal(await t.run({ node: serverNode({ privatePath: t.key.privatePath }), ui: u.ui }), undefined);
      assert.match(before() ?? '', /HostName 192\.0\.2\.7/);
      assert.doesNotMatch(before() ?? '', /203\.0\.113\.10/);
      assert.deepEqual(t.told, [
        {
          severity: 'error',
          text: `Host "web" in ${t.config} was just pointed at 192.0.2.7 by another window; nothing was changed and nothing was opened. Choose another alias.`,
          retryAvoiding: ['web'],
        },
      ]);
    });

    it('a global User line wins for every host: nothing opened, no other alias offered (ssh -G)', async () => {
      const t = setup('User admin\n\nHost other\n  HostName 192.0.2.1\n');
      const u = user();
      assert.equal(await t.run({ node: serverNode({ privatePath: t.key.privatePath }), ui: u.ui }), undefined);
      assert.match(t.text() ?? '', /Host web\n/, 'the entry was written');
      assert.equal(t.told.length, 1);
      const [told] = t.told;
      assert.ok(told && 'text' in told && !('retryAvoiding' in told));
      assert.match(
        told.text,
        /^Nothing was opened: for "ssh web" another entry wins: User admin \(set in .*, line 1\)\. It applies to every host/,
      );
    });

    it("a user's pattern earlier in the config wins for this alias: the box warned, then another alias is offered", async () => {
      const t = setup();
      // Included first, as users split their configs: the entry written can only come after it.
      fs.mkdirSync(path.join(t.sshDir, 'config.d'));
      fs.writeFileSync(path.join(t.sshDir, 'config.d', 'team'), 'Host we*\n  HostName 192.0.2.50\n');
      fs.writeFileSync(t.config, `Include ${t.sshDir}/config.d/*\n`);
      const u = user();
      assert.equal(await t.run({ node: serverNode({ privatePath: t.key.privatePath }), ui: u.ui }), undefined);
      assert.equal(u.warnings.length, 1);
      assert.match(u.warnings[0] ?? '', /matches "we\*"/);
      const [told] = t.told;
      assert.ok(told && 'retryAvoiding' in told);
      assert.deepEqual(told.retryAvoiding, ['web']);
      assert.match(told.text, /another entry wins: HostName 192\.0\.2\.50 .*choose another alias\.$/);
    });

    it('the config cannot be written: told why, nothing changed', async () => {
      const t = setup();
      const u = user();
      const blocked = path.join(t.home, 'not-a-folder');
      fs.writeFileSync(blocked, 'x');
      const config = path.join(blocked, 'config');
      const ready = await t.run({
        node: serverNode({ privatePath: t.key.privatePath }),
        ui: u.ui,
        config: { path: config, isDefault: false },
      });
      assert.equal(ready, undefined);
      const [told] = t.told;
      assert.ok(told && 'text' in told);
      assert.match(
        told.text,
        new RegExp(
          `^Connect could not write Host "web" to ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .* Nothing was changed\\.$`,
        ),
      );
      assert.equal(fs.readFileSync(blocked, 'utf8'), 'x');
    });

    it('a remote.SSH.configFile not used is told first, then the flow goes on with the target', async () => {
      const t = setup();
      const u = user();
      const ready = await t.run({
        node: serverNode({ privatePath: t.key.privatePath }),
        ui: u.ui,
        config: { path: t.config, isDefault: false, ignored: { value: 'ssh.cfg', reason: 'not-absolute' } },
      });
      assert.equal(ready?.alias, 'web');
      assert.equal(t.told[0]?.severity, 'warning');
      assert.ok(t.logged.some((l) => l.startsWith('remote.SSH.configFile "ssh.cfg" not used (not-absolute)')));
    });
  });
});
