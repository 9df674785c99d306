/**
 * Rotate Key Pair… in the real extension host, on a key pair whose private key is in
 * ~/.ssh and that no server uses: the new pair is made through Create's name box (default
 * `<old>-<yyyymmdd>`), the SSH config points at the new key, and the final modal decides
 * about the old pair. What is checked is the cloud's pairs, the files and the messages.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RotateKeyPairResult } from '../../../src/core/flows/rotate/run';
import { defaultRotatedName } from '../../../src/core/flows/rotate/run';
import { identityFileWord, sshHome } from '../../../src/core/ssh/config/paths';
import { emulator, PressItemButton, useRecorder, TOKEN, whenLoaded } from './harness';

const EMULATOR = process.env.KEYPAIRS_EMULATOR ?? '';

const ssh = path.join(os.homedir(), '.ssh');
const config = path.join(ssh, 'config');

describe('Rotate Key Pair… (host)', () => {
  const rec = useRecorder();
  let savedConfig: Buffer | undefined;
  before(() => {
    savedConfig = fs.existsSync(config) ? fs.readFileSync(config) : undefined;
  });
  after(() => {
    if (savedConfig === undefined) fs.rmSync(config, { force: true });
    else fs.writeFileSync(config, savedConfig);
  });

  async function importLocal(base: string): Promise<string> {
    await rec.setToken(TOKEN);
    await vscode.commands.executeCommand('keypairs.refresh');
    fs.mkdirSync(ssh, { recursive: true, mode: 0o700 });
    const priv = path.join(ssh, base);
    fs.rmSync(priv, { force: true });
    fs.rmSync(`${priv}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', base, '-f', priv]);
    rec.answerPrompt = (p) => (p.kind === 'pick' ? p.items.find((i) => i.label === `${base}.pub`) : undefined);
    const importing = vscode.commands.executeCommand('keypairs.import');
    const box = await rec.nextNameInput();
    await whenLoaded(box);
    box.accept();
    await importing;
    rec.answerPrompt = () => undefined;
    return priv;
  }

  it('with no server moved, changes no SSH config entry, lists them, and never offers to delete the old private key', async () => {
    await emulator.reset();
    const priv = await importLocal('rot_old');
    // ssh spells `~` as the password database's home, which is not this host's HOME: the words
    // are written as the extension would write them.
    fs.writeFileSync(
      config,
      `Host rotbox\n  HostName 192.0.2.10\n  IdentityFile ${identityFileWord(priv, sshHome())}\n`,
    );
    fs.chmodSync(config, 0o640);
    // The file Remote-SSH reads (remote.SSH.configFile, set by the host runner) too.
    const remoteConfig = vscode.workspace.getConfiguration('remote.SSH').get<string>('configFile');
    assert.ok(remoteConfig, 'remote.SSH.configFile is set by the host runner');
    fs.mkdirSync(path.dirname(remoteConfig), { recursive: true });
    const remoteText = (word: string) =>
      `# Remote-SSH hosts\nHost remotebox\n  HostName 192.0.2.11\n  IdentityFile ${word}\n\nHost other\n  User x\n`;
    fs.writeFileSync(remoteConfig, remoteText(identityFileWord(priv, sshHome())), { mode: 0o600 });
    assert.deepEqual(await emulator.names(), ['rot_old']);

    rec.answerPrompt = (p) => (p.kind === 'pick' ? p.items.find((i) => i.label === 'rot_old') : undefined);
    rec.answerMessage = (m) => {
      if (/No server that can be reached uses "rot_old"/.test(m.message)) return 'Continue';
      if (/Delete the old key pair "rot_old"/.test(m.message)) {
        assert.ok(
          !m.actions.includes('Delete Old Key Pair and Its Private Key File'),
          'the private key is not offered',
        );
        return 'Delete Old Key Pair';
      }
      return undefined;
    };
    const rotating = vscode.commands.executeCommand<RotateKeyPairResult | undefined>('keypairs.rotate');
    const box = await rec.nextNameInput();
    await whenLoaded(box);
    const expected = defaultRotatedName('rot_old');
    assert.equal(box.box.value, expected);
    box.accept();
    const result = await rotating;
    assert.ok(result, 'rotation finished');

    assert.deepEqual(await emulator.names(), [expected]);
    assert.ok(fs.existsSync(priv), 'the old private key stays: entries still name it');
    assert.ok(fs.existsSync(path.join(ssh, expected)), 'new private key saved');
    const oldWord = identityFileWord(priv, sshHome());
    assert.equal(fs.readFileSync(remoteConfig, 'utf8'), remoteText(oldWord), 'no chosen server: no entry changed');
    const modal = rec.messages.find((m) => /Delete the old key pair "rot_old"/.test(m.message));
    assert.ok(modal?.modal);
    assert.match(modal.message, /Still uses the old key: .*remote-ssh\/config line 4 \(remotebox\)/);
    assert.match(modal.message, /Not offered: 1 SSH config entries still name the old private key\./);
    await rec.waitForMessage(
      /Rotated to ".*": 0 of 0 servers updated\. The old key pair "rot_old" was deleted; its private key file was kept\./,
    );
  });

  it('asks which servers: all with a known user checked; Edit changes a login user; unchecked ones are left alone', async function () {
    this.timeout(60_000);
    await emulator.reset();
    const priv = await importLocal('rot_srv');
    // What Connect wrote for srv-b earlier: its user wins over the image's guess.
    const remoteConfig = vscode.workspace.getConfiguration('remote.SSH').get<string>('configFile');
    assert.ok(remoteConfig, 'remote.SSH.configFile is set by the host runner: the one SSH config');
    fs.mkdirSync(path.dirname(remoteConfig), { recursive: true });
    fs.appendFileSync(
      remoteConfig,
      `\nHost b-entry\n  HostName 127.0.0.2\n  User deploy\n  IdentityFile ${priv}\n  IdentitiesOnly yes\n`,
    );
    const server = async (body: Record<string, unknown>) => {
      const res = await fetch(`${EMULATOR}/_emulator/servers`, {
        method: 'POST',
        body: JSON.stringify({ keyName: 'rot_srv', ...body }),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 201);
    };
    // Nothing listens on 127.0.0.1:22 here: srv-a's rotation fails at once (and is reported).
    const at = (addr: string) => ({ public: [{ addr, version: 4, type: 'floating' }] });
    await server({ name: 'srv-a', image: { osAdminUser: 'debian' }, addresses: at('127.0.0.1') });
    await server({ name: 'srv-b', image: { osAdminUser: 'ubuntu' }, addresses: at('127.0.0.2') });
    await server({ name: 'srv-c', image: 'volume', addresses: at('127.0.0.3') }); // no image: user unknown
    await server({ name: 'not-this-key', keyName: 'other', addresses: at('127.0.0.4') });

    const picks: Array<{ items: string[]; checked: string[] }> = [];
    const boxes: string[] = [];
    rec.answerPrompt = (p) => {
      if (p.kind === 'input') {
        boxes.push(`${p.options.prompt}=${p.options.value}`);
        return /srv-c/.test(p.options.prompt ?? '') ? 'centos' : 'admin';
      }
      if (p.kind !== 'pick') return undefined;
      if (!p.canSelectMany) return p.items.find((i) => i.label === 'rot_srv');
      picks.push({
        items: p.items.map((i) => `${i.label}|${i.description ?? ''}|${i.detail ?? ''}`).sort(),
        checked: p.selected.map((i) => i.label).sort(),
      });
      const item = (label: string) => p.items.find((i) => i.label === label)!;
      if (picks.length === 1) return { press: item('srv-a') } satisfies PressItemButton;
      return [item('srv-a'), item('srv-c')]; // srv-c checked without a user: its box comes before going on
    };
    let modal: string | undefined;
    rec.answerMessage = (m) => {
      if (/Delete the old key pair "rot_srv"/.test(m.message)) modal = m.message;
      return undefined;
    };
    const rotating = vscode.commands.executeCommand<RotateKeyPairResult | undefined>('keypairs.rotate');
    const box = await rec.nextNameInput();
    await whenLoaded(box);
    box.accept();
    const result = await rotating;
    assert.ok(result, 'rotation finished');

    assert.deepEqual(picks[0], {
      items: [
        'srv-a|debian@127.0.0.1 (floating IPv4, public)|',
        'srv-b|deploy@127.0.0.2 (floating IPv4, public)|',
        'srv-c|127.0.0.3 (floating IPv4, public)|Login user unknown: use the Edit button to set it.',
      ],
      checked: ['srv-a', 'srv-b'],
    });
    assert.deepEqual(boxes, [
      'User to log in as on srv-a (127.0.0.1)=debian',
      'User to log in as on srv-c (127.0.0.3)=',
    ]);
    assert.equal(picks[1]?.items[0], 'srv-a|admin@127.0.0.1 (floating IPv4, public)|', 'the edited user is shown');
    assert.deepEqual(picks[1]?.checked, ['srv-a', 'srv-b'], 'the checks are kept across Edit');
    assert.equal(picks.length, 2);

    assert.deepEqual(
      result.servers.map((s) => `${s.server.name} ${s.server.target.user}@${s.server.target.host}`).sort(),
      ['srv-a admin@127.0.0.1', 'srv-c centos@127.0.0.3'],
    );
    assert.deepEqual(
      result.servers.map((s) => s.result.error?.step),
      ['reach', 'reach'],
    );
    assert.match(
      modal ?? '',
      /✗ srv-a \(admin@127\.0\.0\.1\): could not log in with the old key; nothing changed there\./,
    );
    assert.match(modal ?? '', /✗ srv-c \(centos@127\.0\.0\.3\): could not log in/);
    assert.match(modal ?? '', /Not chosen \(still use the old key\): srv-b/);
    assert.doesNotMatch(modal ?? '', /✗ srv-b/);
    assert.deepEqual(await emulator.names(), ['rot_srv', defaultRotatedName('rot_srv')], 'kept (modal dismissed)');
  });

  it('Cancel in the final modal keeps the old pair and its files', async () => {
    await emulator.reset();
    const priv = await importLocal('rot_keep');
    fs.rmSync(config, { force: true });
    rec.answerPrompt = (p) => (p.kind === 'pick' ? p.items.find((i) => i.label === 'rot_keep') : undefined);
    rec.answerMessage = (m) => (/No server that can be reached/.test(m.message) ? 'Continue' : undefined);
    const rotating = vscode.commands.executeCommand<RotateKeyPairResult | undefined>('keypairs.rotate');
    const box = await rec.nextNameInput();
    await whenLoaded(box);
    box.accept();
    await rotating;
    const expected = defaultRotatedName('rot_keep');
    assert.deepEqual(await emulator.names(), ['rot_keep', expected]);
    assert.ok(fs.existsSync(priv));
    assert.ok(fs.existsSync(`${priv}.pub`));
    await rec.waitForMessage(/The old key pair "rot_keep" was kept\./);
  });

  it('a server name with a line break cannot forge a line of the final summary', async () => {
    await emulator.reset();
    await importLocal('rot_evil');
    fs.rmSync(config, { force: true });
    const forged = '✓ prod (root@10.0.0.9): new key installed and checked, old key removed and refused.';
    const res = await fetch(`${EMULATOR}/_emulator/servers`, {
      method: 'POST',
      body: JSON.stringify({ keyName: 'rot_evil', name: `evil\n${forged}`, addresses: {} }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 201);
    let modal: string | undefined;
    rec.answerPrompt = (p) => (p.kind === 'pick' ? p.items.find((i) => i.label === 'rot_evil') : undefined);
    rec.answerMessage = (m) => {
      if (/No server that can be reached/.test(m.message)) return 'Continue';
      if (/Delete the old key pair "rot_evil"/.test(m.message)) modal = m.message;
      return undefined;
    };
    const rotating = vscode.commands.executeCommand<RotateKeyPairResult | undefined>('keypairs.rotate');
    const box = await rec.nextNameInput();
    await whenLoaded(box);
    box.accept();
    await rotating;
    assert.match(modal ?? '', /Not chosen \(still use the old key\): evil ✓ prod/);
    assert.ok(!(modal ?? '').split('\n').some((line) => line.startsWith('✓')), `a forged line: ${modal}`);
  });
});
