/**
 * The Key Pairs view and its commands in the real extension host: drives the provider
 * that Test mode exposes as `testing.keyPairsView` and the commands with node arguments.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HOST_ENTRY_MARKER } from '../../../src/core/ssh/config/hostEntry';
import { identityFileWord, sshHome } from '../../../src/core/ssh/config/paths';
import type { KeyPairNode, KeyPairsViewNode } from '../../../src/core/flows/keyPairList';
import type { ShownMessage } from '../../../src/shell/ui/notify';
import { COPY_PATH, OPEN_FOLDER, revealFile } from '../../../src/shell/ui/reveal';
import { statusBarTooltip } from '../../../src/shell/statusBar';
import { KeyPairsProvider, tooltip } from '../../../src/shell/views/keyPairsView';
import { must } from '../../support/must';
import { EXTENSION_ID, emulator, useRecorder, TOKEN, whenLoaded } from './harness';

const ssh = path.join(os.homedir(), '.ssh');

/**
 * A tooltip's Markdown as the reader sees its text: backslash escapes removed (MarkdownString's
 * appendText escapes punctuation, and VS Code 1.96 escapes more of it, `-` too, than 1.139).
 */
function shownText(md: vscode.MarkdownString): string {
  return md.value.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

async function view(): Promise<KeyPairsProvider> {
  const api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as {
    testing: { keyPairsView: KeyPairsProvider };
  };
  return api.testing.keyPairsView;
}
const pairs = (nodes: KeyPairsViewNode[]) => nodes.filter((n): n is KeyPairNode => n.kind === 'keypair');

describe('Key Pairs view (smoke)', () => {
  const rec = useRecorder();
  async function setToken(): Promise<void> {
    await rec.setToken(TOKEN);
    await vscode.commands.executeCommand('keypairs.refresh'); // the view forgets what it loaded before
  }

  it('contributes the view, its commands and the keyGeneration setting', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const c = ext.packageJSON.contributes;
    assert.equal(c.viewsContainers.activitybar[0].id, 'keypairs');
    assert.equal(c.views.keypairs[0].id, 'keypairs.list');
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'keypairs.refresh',
      'keypairs.loadMore',
      'keypairs.import',
      'keypairs.delete',
      'keypairs.copyPublicKey',
      'keypairs.addToSshConfig',
    ]) {
      assert.ok(commands.includes(id), id);
    }
    assert.equal(vscode.workspace.getConfiguration('keypairs').inspect('keyGeneration')?.defaultValue, 'local');
    assert.equal(vscode.workspace.getConfiguration('keypairs').inspect('keyType')?.defaultValue, 'ed25519');
  });

  it('without a token: no children, state unconfigured, no request', async () => {
    await vscode.commands.executeCommand('keypairs.clearToken');
    await vscode.commands.executeCommand('keypairs.refresh');
    const v = await view();
    assert.deepEqual(await v.getChildren(), []);
    assert.equal(v.state, 'unconfigured');
    assert.deepEqual(await emulator.requests(), []);
  });

  it('lists the key pairs, marks the local one, copies, opens and deletes', async () => {
    await setToken();
    fs.mkdirSync(ssh, { recursive: true });
    const priv = path.join(ssh, 'smoke_local');
    fs.rmSync(priv, { force: true });
    fs.rmSync(`${priv}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'smoke', '-f', priv]);
    await fetch(`${process.env.KEYPAIRS_EMULATOR}/_emulator/seed`, {
      method: 'POST',
      body: JSON.stringify({ count: 30 }),
      headers: { 'content-type': 'application/json' },
    });

    // Import it: pick the file, accept the name offered (the comment).
    rec.answerPrompt = (p) => (p.kind === 'pick' ? p.items.find((i) => i.label === 'smoke_local.pub') : undefined);
    const importing = vscode.commands.executeCommand<{ matches: boolean }>('keypairs.import');
    const box = await rec.nextNameInput();
    await whenLoaded(box);
    assert.equal(box.box.value, 'smoke');
    box.accept();
    assert.equal((await importing)?.matches, true);
    await rec.waitForMessage(/imported from ~\/\.ssh\/smoke_local\.pub .*matches/);

    const v = await view();
    const nodes = pairs(await v.getChildren());
    assert.equal(nodes.length, 31);
    assert.equal(v.state, 'loaded');
    const mine = nodes.find((n) => n.keyPair.name === 'smoke')!;
    assert.equal(mine.local?.privatePath, priv);
    assert.equal(v.getTreeItem(mine).contextValue, 'keypair.local');
    assert.equal(v.getTreeItem(must(nodes[0], 'the first key pair')).contextValue, 'keypair');
    const item = await v.resolveTreeItem(v.getTreeItem(mine), mine);
    assert.match(
      shownText(item.tooltip as vscode.MarkdownString),
      /Created: \d{4}-\d\d-\d\d(\s|&nbsp;)\d\d:\d\d(\s|&nbsp;)UTC/,
    );

    assert.equal(await vscode.commands.executeCommand('keypairs.copyFingerprint', mine), mine.keyPair.fingerprint);
    assert.equal(await vscode.env.clipboard.readText(), mine.keyPair.fingerprint);
    assert.equal(await vscode.commands.executeCommand('keypairs.copyPublicKey', mine), mine.keyPair.publicKey);
    // Quiet success: a status-bar message (logged), never a notification.
    assert.ok(
      rec.log.some((l) => l.includes('Copied the fingerprint of "smoke"')),
      rec.log.join('\n'),
    );
    assert.ok(
      rec.log.some((l) => l.includes('Copied the public key of "smoke"')),
      rec.log.join('\n'),
    );
    assert.deepEqual(
      rec.messages.filter((m) => /Copied/.test(m.message)),
      [],
      'no notification for a copy',
    );
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('keypairs.openPublicKey', mine);
    assert.equal(doc?.getText().trim(), mine.keyPair.publicKey.trim());

    rec.answerMessage = (m) => (m.modal ? 'Delete Key Pair' : undefined);
    assert.equal(await vscode.commands.executeCommand('keypairs.delete', mine), 'deleted');
    const asked = rec.messages.find((m) => m.modal)!;
    assert.match(asked.message, /^Delete key pair "smoke" from 127\.0\.0\.1:\d+\?/);
    assert.deepEqual(asked.actions, ['Delete Key Pair', 'Delete Key Pair and Local Files']);
    assert.ok(fs.existsSync(priv), 'local files kept by default');
    assert.equal(pairs(await v.getChildren()).length, 30);

    assert.equal(await vscode.commands.executeCommand('keypairs.delete', mine), 'gone');
    await rec.waitForMessage(/already deleted/);
  });

  it('a tooltip shows server text as plain text: no link, no HTML, even after a blank line', () => {
    const evil = 'aa:bb\n\n[Fix it](command:keypairs.signOut) <img src=x onerror=alert(1)>';
    const node: KeyPairNode = {
      kind: 'keypair',
      keyPair: { name: 'web', fingerprint: evil, publicKey: 'ssh-ed25519 AAAA', type: 'ssh' },
    };
    const md = tooltip(
      node,
      { name: 'web', fingerprint: evil, publicKey: 'ssh-ed25519 AAAA', createdAt: '[x](https://evil.example)' },
      false,
      ssh,
    );
    assert.equal(md.isTrusted, false);
    assert.equal(md.supportHtml, false, 'HTML in the text is not rendered');
    assert.doesNotMatch(md.value, /(^|[^\\])\[Fix it\]/, 'the link is escaped');
    assert.doesNotMatch(md.value, /(^|[^\\])\[x\]/, 'the created date is escaped');
    assert.match(md.value, /Fingerprint \(MD5\): /, 'our own labels stay as they were');
    assert.doesNotMatch(md.value, /SHA256/, 'no SHA256 row for a public key that does not parse');
  });

  it('the status bar tooltip names the target and what a click does', () => {
    const tip = statusBarTooltip('DFW · acme');
    assert.match(tip, /DFW · acme/);
    assert.match(tip, /Click to create a key pair/);
    assert.match(statusBarTooltip(undefined), /not signed in[\s\S]*Click/);
  });

  it('a tooltip shows the SHA256 fingerprint beside MD5, as ssh-keygen -l prints it', () => {
    const file = path.join(ssh, 'tip_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tip', '-f', file]);
    const line = fs.readFileSync(`${file}.pub`, 'utf8').trim();
    const sha256 = /(SHA256:\S+)/.exec(execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }))![1];
    const node: KeyPairNode = {
      kind: 'keypair',
      keyPair: { name: 'tip', fingerprint: 'aa:bb', publicKey: line, type: 'ssh' },
    };
    const md = tooltip(node, undefined, false, ssh);
    assert.match(md.value, /Fingerprint \(MD5\): aa:bb/);
    // appendText escapes Markdown characters (`+` becomes `\+`): compare the text as shown.
    assert.ok(shownText(md).includes(`Fingerprint (SHA256): ${sha256}`), md.value);
  });

  it('Reveal Private Key in a Remote window, outside the workspace, offers to copy the path or open the folder', async () => {
    const file = path.join(ssh, 'remote_key');
    const shown: ShownMessage[] = [];
    await revealFile(
      {
        show: async <A extends string>(
          severity: 'info' | 'warning' | 'error',
          message: string,
          actions: readonly A[] = [],
        ) => {
          shown.push({ severity, message, actions: [...actions], modal: false });
          return actions.find((a) => a === COPY_PATH);
        },
      },
      file,
      'ssh-remote',
    );
    // The button is handled after the message (its continuation): read until the copy landed.
    for (let i = 0; i < 100 && (await vscode.env.clipboard.readText()) !== file; i++) await new Promise(setImmediate);
    assert.deepEqual(
      shown.map((m) => m.actions),
      [[COPY_PATH, OPEN_FOLDER]],
    );
    assert.match(shown[0]?.message ?? '', /^~\/\.ssh\/remote_key is on the remote host/);
    assert.equal(await vscode.env.clipboard.readText(), file);
  });

  it('adds a Host entry to the SSH config the user chose (remote.SSH.configFile)', async () => {
    // Its own key (no test depends on the one before it).
    fs.mkdirSync(ssh, { recursive: true });
    const priv = path.join(ssh, 'smoke_config');
    fs.rmSync(priv, { force: true });
    fs.rmSync(`${priv}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'smoke', '-f', priv]);
    const answers = ['smoke-host', '203.0.113.7', 'admin'];
    rec.answerPrompt = (p) => (p.kind === 'input' ? answers.shift() : undefined);
    const r = await vscode.commands.executeCommand<{ added: boolean; command: string; configPath: string }>(
      'keypairs.addToSshConfig',
      {
        name: 'smoke',
        privatePath: priv,
      },
    );
    assert.equal(r?.added, true);
    assert.equal(r?.command, 'ssh -i ~/.ssh/smoke_config admin@203.0.113.7');
    // The one SSH config of every command: the user's remote.SSH.configFile (test/host/run.ts sets it).
    const target = vscode.workspace.getConfiguration('remote.SSH').inspect<string>('configFile')?.globalValue;
    assert.ok(target, 'the host suite sets remote.SSH.configFile in user settings');
    assert.equal(r?.configPath, target);
    // ssh expands "~" with the account's home (passwd), which may not be this test's $HOME.
    const text = fs.readFileSync(target, 'utf8');
    const identity = identityFileWord(priv, sshHome());
    assert.ok(
      text.includes(
        `Host smoke-host\n  ${HOST_ENTRY_MARKER}\n  HostName 203.0.113.7\n  User admin\n  IdentityFile ${identity}\n`,
      ),
      text,
    );
  });
});
