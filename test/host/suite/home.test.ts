/**
 * The manifest and the UI as VS Code users expect them (issue 21): palette entries follow the
 * context keys the extension keeps, walkthrough steps tick on success only, one notification
 * after Create, the server row's commands, and Delete taking out the Host entries it wrote.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeHostEntry } from '../../../src/core/ssh/config/hostEntry';
import type { KeyPairNode, ServerNode } from '../../../src/core/flows/keyPairList';
import { must } from '../../support/must';
import { emulator, EXTENSION_ID, testing, TOKEN, useRecorder } from './harness';

const EMULATOR = process.env.KEYPAIRS_EMULATOR ?? '';

interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}

function manifest(): {
  menus: Record<string, MenuEntry[]>;
  walkthroughs: Array<{ steps: Array<{ id: string; completionEvents: string[] }> }>;
} {
  return vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes;
}

/** The palette commands VS Code shows for the context keys the extension set (`key`, `!key`, `a || b`, `false`). */
async function paletteShows(command: string): Promise<boolean> {
  const keys = (await testing()).contextKeys;
  const when = manifest().menus.commandPalette?.find((e) => e.command === command)?.when;
  if (when === undefined) return true;
  return when.split('||').some((term) => {
    const t = term.trim();
    if (t === 'false') return false;
    return t.startsWith('!') ? !keys.get(t.slice(1)) : Boolean(keys.get(t));
  });
}

/**
 * Waits (up to 5 s) until the palette shows exactly `expected`, then asserts it: the context
 * keys follow a secret change through an event, after the command itself has returned.
 */
async function expectPalette(expected: Record<string, boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const seen: Record<string, boolean> = {};
    for (const command of Object.keys(expected)) seen[command] = await paletteShows(command);
    if (Object.keys(expected).every((c) => seen[c] === expected[c]) || Date.now() > deadline) {
      assert.deepEqual(seen, expected, what);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('At home in VS Code (manifest and UI)', () => {
  const rec = useRecorder();

  it('palette: Clear API Token only with a token, Sign Out and Select Region only signed in, Set API Token while signed out', async () => {
    await vscode.commands.executeCommand('keypairs.clearToken');
    await expectPalette(
      {
        'keypairs.clearToken': false,
        'keypairs.signOut': false,
        'keypairs.selectRegion': false,
        'keypairs.setToken': true,
      },
      'no token, not signed in: Clear API Token, Sign Out and Select Region hidden, Set API Token shown',
    );
    await rec.setToken(TOKEN);
    await expectPalette(
      { 'keypairs.clearToken': true, 'keypairs.signOut': false },
      'token set: Clear API Token shown, Sign Out still hidden',
    );
  });

  it('Set API Token confirms quietly (no notification to stack under the next command’s)', async () => {
    await rec.setToken(TOKEN);
    assert.deepEqual(
      rec.messages.map((m) => m.message),
      [],
    );
    assert.ok(rec.log.some((l) => l.includes('API token saved in secret storage.')));
  });

  it('walkthrough: Create ticks only after a key pair was created (a cancelled Create does not)', async function () {
    this.timeout(60_000);
    const keys = (await testing()).contextKeys;
    const steps = must(manifest().walkthroughs[0], 'the walkthrough').steps;
    for (const step of steps) {
      assert.ok(
        step.completionEvents.every((e) => e.startsWith('onContext:')),
        `${step.id}: ${step.completionEvents.join(', ')}`,
      );
    }
    await rec.setToken(TOKEN);
    // As in a fresh window (an earlier suite may have created a pair in this one).
    (keys as Map<string, unknown>).delete('keypairs.walkthrough.created');
    const cancelled = vscode.commands.executeCommand('keypairs.create');
    const box = await rec.nextNameInput();
    await box.loaded();
    box.box.hide();
    assert.equal(await cancelled, undefined);
    assert.notEqual(keys.get('keypairs.walkthrough.created'), true, 'a cancelled Create ticks nothing');
    assert.ok(await rec.create('walk-key'), 'created');
    assert.equal(keys.get('keypairs.walkthrough.created'), true);
    const shown = rec.messages.filter((m) => !m.modal);
    assert.equal(shown.length, 1, `one notification: ${shown.map((m) => m.message).join(' | ')}`);
    assert.ok(must(shown[0], 'the created message').actions.length <= 2);
  });

  it('server rows: Copy Address, Copy ssh Command, Open SSH Config, Rotate; the .pub editor: Copy, Reveal', async function () {
    this.timeout(60_000);
    const menus = manifest().menus;
    const onServer = menus['view/item/context']!.filter((e) => /viewItem (==|=~) \/?\^?server/.test(e.when ?? ''));
    for (const id of ['keypairs.copyAddress', 'keypairs.copySshCommand', 'keypairs.openSshConfig', 'keypairs.rotate']) {
      assert.ok(
        onServer.some((e) => e.command === id),
        `${id} on a server row`,
      );
    }
    for (const id of ['keypairs.copyPublicKey', 'keypairs.revealPrivateKey']) {
      assert.ok(menus['editor/context']!.some((e) => e.command === id && /\.pub/.test(e.when ?? '')));
    }

    await rec.setToken(TOKEN);
    const created = must(await rec.create('row-key'), 'created');
    const res = await fetch(`${EMULATOR}/_emulator/servers`, {
      method: 'POST',
      body: JSON.stringify({
        name: 'row-1',
        keyName: 'row-key',
        addresses: { public: [{ addr: '203.0.113.44', version: 4, type: 'floating' }] },
      }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 201);
    const view = (await testing()).keyPairsView;
    await vscode.commands.executeCommand('keypairs.refresh');
    const pair = (await view.getChildren()).find(
      (n): n is KeyPairNode => n.kind === 'keypair' && n.keyPair.name === 'row-key',
    );
    const server = must(((await view.getChildren(pair)) as ServerNode[])[0], 'the server row');
    assert.equal(view.getTreeItem(server).contextValue, 'server.local');

    assert.equal(await vscode.commands.executeCommand('keypairs.copyAddress', server), '203.0.113.44');
    assert.equal(await vscode.env.clipboard.readText(), '203.0.113.44');
    const command = await vscode.commands.executeCommand('keypairs.copySshCommand', server);
    assert.match(String(command), /^ssh -i \S*\/row[-_]key 203\.0\.113\.44$/);
    assert.equal(await vscode.env.clipboard.readText(), command);

    const config = must(vscode.workspace.getConfiguration('remote.SSH').get<string>('configFile'), 'configFile');
    await writeHostEntry({
      configPath: config,
      entry: { alias: 'row1', hostName: '203.0.113.44', user: 'deploy', identityFile: created.privatePath },
    });
    assert.equal(await vscode.commands.executeCommand('keypairs.copySshCommand', server), 'ssh row1');
    assert.equal(await vscode.commands.executeCommand('keypairs.openSshConfig'), config);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, config);

    // The editor of the .pub file: Copy Public Key acts on its key pair.
    const pub = vscode.Uri.file(`${created.privatePath}.pub`);
    assert.equal(await vscode.commands.executeCommand('keypairs.copyPublicKey', pub), created.publicKey);
  });

  it('Delete Key Pair… offers to remove the Host entries it wrote for the key (by alias), never the user’s', async function () {
    this.timeout(60_000);
    await rec.setToken(TOKEN);
    const created = must(await rec.create('gone-key'), 'created');
    const config = must(vscode.workspace.getConfiguration('remote.SSH').get<string>('configFile'), 'configFile');
    fs.mkdirSync(path.dirname(config), { recursive: true });
    const own = `Host mine\n  HostName 198.51.100.1\n  IdentityFile ${created.privatePath}\n\n`;
    fs.writeFileSync(config, own + (fs.existsSync(config) ? fs.readFileSync(config, 'utf8') : ''));
    for (const alias of ['gone-a', 'gone-b']) {
      await writeHostEntry({
        configPath: config,
        entry: { alias, hostName: '198.51.100.2', identityFile: created.privatePath },
      });
    }
    const view = (await testing()).keyPairsView;
    await vscode.commands.executeCommand('keypairs.refresh');
    const node = (await view.getChildren()).find(
      (n): n is KeyPairNode => n.kind === 'keypair' && n.keyPair.name === 'gone-key',
    );
    assert.ok(node?.local, 'the key is local');
    rec.answerMessage = (m) => (m.modal ? m.actions[1] : undefined);
    assert.equal(await vscode.commands.executeCommand('keypairs.delete', node), 'deleted');
    const asked = must(
      rec.messages.find((m) => m.modal),
      'the modal',
    );
    assert.deepEqual(asked.actions, ['Delete Key Pair', 'Delete Key Pair, Local Files and Host Entries']);
    assert.match(asked.message, /Host entries this extension wrote .*: gone-a, gone-b\./);
    const after = fs.readFileSync(config, 'utf8');
    assert.ok(after.startsWith(own), 'the user’s own entry stays');
    assert.ok(!/gone-a|gone-b/.test(after), after);
    assert.ok(!fs.existsSync(created.privatePath), 'key files deleted');
    await rec.waitForMessage(/the Host entries gone-a, gone-b\./);
    assert.deepEqual(await emulator.names().then((n) => n.includes('gone-key')), false);
  });
});
