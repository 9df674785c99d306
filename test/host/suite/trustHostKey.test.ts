/**
 * In the real extension host (issue 19): Trust Host Key… on a server node whose address the
 * user's own known_hosts pins with a stale key (the server was reinstalled), and Connect's Retry
 * after "could not be reached" (a server still booting), which checks again without asking the
 * wizard's questions again. Real sshd; the emulator's console lists its host keys.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KeyPairNode, ServerNode } from '../../../src/core/flows/keyPairList';
import type { KeyPairsProvider } from '../../../src/shell/views/keyPairsView';
import { firstBootConsole, madeUpHostKeys } from '../../emulator/console';
import { Sshd, startSshd } from '../../support/sshd';
import { emulator, EXTENSION_ID, TOKEN, useRecorder } from './harness';

const EMULATOR = process.env.KEYPAIRS_EMULATOR ?? '';
const keyOf = (line: string) => line.split(' ').slice(0, 2).join(' ');

async function control(route: string, body: unknown): Promise<{ server?: { id: string } }> {
  const res = await fetch(`${EMULATOR}/_emulator/servers${route}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  assert.ok(res.ok, `${route}: ${res.status}`);
  return (await res.json()) as { server?: { id: string } };
}

async function serverNode(keyName: string, name: string): Promise<ServerNode> {
  const api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as {
    testing: { keyPairsView: KeyPairsProvider };
  };
  const v = api.testing.keyPairsView;
  await vscode.commands.executeCommand('keypairs.refresh');
  const pairs = (await v.getChildren()) as KeyPairNode[];
  const pair = pairs.find((p) => p.kind === 'keypair' && p.keyPair.name === keyName);
  assert.ok(pair, `key pair ${keyName} in the view`);
  const servers = ((await v.getChildren(pair)) ?? []) as ServerNode[];
  const node = servers.find((s) => s.kind === 'server' && s.server.name === name);
  assert.ok(node, `server ${name} under ${keyName}`);
  return node;
}

describe('Trust Host Key… and Connect’s Retry in the extension host (issue 19)', () => {
  const rec = useRecorder();
  const started: Sshd[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });

  it("Trust Host Key… replaces the stale key of the server's address in ~/.ssh/known_hosts and says it is trusted", async function () {
    this.timeout(60_000);
    const sshd = await startSshd();
    started.push(sshd);
    await rec.setToken(TOKEN);
    assert.ok(await rec.create('trust-key'), 'key pair created');
    await control('', {
      name: 'reinstalled-1',
      keyName: 'trust-key',
      hostKeys: sshd.hostPublicKeys,
      addresses: { public: [{ addr: sshd.address, version: 4, type: 'floating' }] },
    });
    const known = path.join(os.homedir(), '.ssh', 'known_hosts');
    fs.mkdirSync(path.dirname(known), { recursive: true });
    const stale = keyOf(madeUpHostKeys()[0] ?? '');
    const mine = `github.com ${stale}\n`;
    fs.writeFileSync(known, `${sshd.address} ${stale}\n${mine}`, { mode: 0o600 });
    const node = await serverNode('trust-key', 'reinstalled-1');
    // remote.SSH.configFile is set (the host runner) but not written yet: no entry for the server.
    const configFile = vscode.workspace.getConfiguration('remote.SSH').get<string>('configFile') ?? '';
    fs.rmSync(configFile, { force: true });

    const trusted = await vscode.commands.executeCommand<boolean>('keypairs.trustHostKey', node);
    const shown = rec.messages.map((m) => `${m.severity}: ${m.message}`);
    assert.equal(trusted, true, [...shown, ...rec.log].join('\n'));
    assert.ok(
      shown.some((m) => m.startsWith('info: The host key of server "reinstalled-1" is trusted')),
      shown.join('\n'),
    );
    const text = fs.readFileSync(known, 'utf8');
    assert.ok(!text.includes(`${sshd.address} ${stale}`), `the stale line is gone:\n${text}`);
    assert.ok(text.includes(mine), 'another host keeps its line');
    assert.ok(text.includes(keyOf(sshd.hostPublicKeys[0] ?? '')), `the server's key is pinned:\n${text}`);
  });

  it('Connect: Retry after "could not be reached" checks again and opens, asking nothing again', async function () {
    this.timeout(90_000);
    const configFile = vscode.workspace.getConfiguration('remote.SSH').get<string>('configFile');
    assert.ok(configFile);
    fs.mkdirSync(path.dirname(configFile), { recursive: true });
    fs.writeFileSync(configFile, '', { mode: 0o600 });
    await rec.setToken(TOKEN);
    assert.ok(await rec.create('booting-key'), 'key pair created');
    // An address where no sshd listens yet: the server is "still booting".
    const address = `127.${50 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
    const made = await control('', {
      name: 'booting-1',
      keyName: 'booting-key',
      image: { osAdminUser: 'debian' },
      addresses: { public: [{ addr: address, version: 4, type: 'floating' }] },
    });
    const id = made.server?.id ?? '';
    const prompts: string[] = [];
    rec.answerPrompt = (p) => {
      if (p.kind === 'pick') {
        prompts.push('pick');
        return p.items.find((i) => i.label === 'booting-1') ?? p.items[0];
      }
      if (p.kind === 'input') {
        prompts.push(`input:${p.options.prompt}`);
        return p.options.value;
      }
      return undefined;
    };
    const opened = new Promise<vscode.Terminal>((resolve) => {
      const sub = vscode.window.onDidOpenTerminal((t) => {
        sub.dispose();
        resolve(t);
      });
    });
    let asked = 0;
    rec.answerMessage = async (m) => {
      if (!/could not be reached to check its host key/.test(m.message)) return undefined;
      asked = prompts.length;
      // The server has finished booting: sshd answers there, its console lists its keys.
      const sshd = await startSshd({ address });
      started.push(sshd);
      await control(`/${encodeURIComponent(id)}/console`, {
        console: firstBootConsole({ hostname: 'booting-1', hostKeys: sshd.hostPublicKeys }),
      });
      return 'Retry';
    };
    await vscode.commands.executeCommand('keypairs.connect');
    const terminal = await opened;
    assert.ok(asked > 0, 'the wizard ran once');
    assert.deepEqual(prompts.slice(asked), [], 'Retry asked nothing again');
    assert.equal(terminal.name, 'booting-1');
    const pins = fs.readFileSync(path.join(os.homedir(), '.ssh', 'server-keypairs_known_hosts'), 'utf8');
    assert.match(pins, new RegExp(`^server-${id.toLowerCase()} ssh-ed25519 `, 'm'));
    terminal.dispose();
    assert.ok((await emulator.requests()).length > 0);
  });
});
