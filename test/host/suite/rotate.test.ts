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
import type { RotateKeyPairResult } from '../../../src/flows/rotateKeyPair';
import { defaultRotatedName } from '../../../src/flows/rotateKeyPair';
import { identityFileWord, sshHome } from '../../../src/keys/sshConfig';
import { emulator, useRecorder, TOKEN, whenLoaded } from './harness';

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

  it('makes the new pair, retargets the SSH config, and deletes the old pair and file only when chosen', async () => {
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
      if (/Delete the old key pair "rot_old"/.test(m.message)) return 'Delete Old Key Pair and Its Private Key File';
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
    assert.equal(fs.existsSync(priv), false, 'old private key deleted as chosen');
    assert.ok(fs.existsSync(path.join(ssh, expected)), 'new private key saved');
    const newWord = identityFileWord(path.join(ssh, expected), sshHome());
    assert.equal(fs.readFileSync(config, 'utf8'), `Host rotbox\n  HostName 192.0.2.10\n  IdentityFile ${newWord}\n`);
    assert.equal(fs.statSync(config).mode & 0o777, 0o640);
    assert.equal(fs.readFileSync(remoteConfig, 'utf8'), remoteText(newWord), 'remote.SSH.configFile retargeted');
    assert.equal(fs.statSync(remoteConfig).mode & 0o777, 0o600);
    const modal = rec.messages.find((m) => /Delete the old key pair "rot_old"/.test(m.message));
    assert.ok(modal?.modal);
    assert.match(modal.message, /now uses the new key for rotbox/);
    assert.match(modal.message, /remote-ssh\/config: now uses the new key for remotebox/);
    await rec.waitForMessage(
      /Rotated to ".*": 0 of 0 servers updated\. The old key pair "rot_old" and its private key file were deleted\./,
    );
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
});
