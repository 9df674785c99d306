/**
 * In the real extension host: activation, token commands, and the create flow with its
 * messages, against the emulator; files checked in this host's ~/.ssh with OpenSSH.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CreateKeyPairResult } from '../../../src/core/flows/createKeyPair';
import { group } from '../../support/must';
import { EXTENSION_ID, emulator, TOKEN, useRecorder, validation, whenLoaded } from './harness';

const ssh = path.join(os.homedir(), '.ssh');
const mode = (p: string) => fs.statSync(p).mode & 0o777;
const keyData = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ');

describe('Server Key Pairs in the extension host', () => {
  const rec = useRecorder();

  const setToken = (token: string) => rec.setToken(token);
  const create = (name: string) => rec.create(name);

  it('activates and contributes its commands and settings', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    assert.deepEqual(ext.packageJSON.extensionKind, ['workspace']);
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['keypairs.create', 'keypairs.setToken', 'keypairs.clearToken']) {
      assert.ok(commands.includes(id), `${id} registered`);
    }
    const titles = Object.fromEntries(
      (ext.packageJSON.contributes.commands as Array<{ command: string; title: string; category: string }>).map((c) => [
        c.command,
        `${c.category}: ${c.title}`,
      ]),
    );
    assert.equal(titles['keypairs.create'], 'Key Pairs: Create Server Key Pair');
    const config = vscode.workspace.getConfiguration('keypairs');
    assert.equal(config.inspect('sshDirectory')?.defaultValue, '~/.ssh');
    assert.equal(config.inspect('statusBar')?.defaultValue, true);
    assert.match(config.get<string>('endpoint')!, /^http:\/\/127\.0\.0\.1:\d+\/v2\.1$/);
  });

  it('without a token, says so and offers Set API Token', async () => {
    await vscode.commands.executeCommand('keypairs.clearToken');
    const result = await vscode.commands.executeCommand('keypairs.create');
    assert.equal(result, undefined);
    const m = await rec.waitForMessage(/No API token is set/);
    assert.deepEqual(m.actions, ['Set API Token']);
    assert.deepEqual(await emulator.requests(), [], 'no request without a token');
  });

  it('Set API Token stores the token that requests then carry; Clear removes it', async () => {
    await setToken(TOKEN);
    const input = rec.prompts.find((p) => p.kind === 'input');
    assert.ok(input?.kind === 'input' && input.options.password === true, 'password input');
    const box = (async () => {
      const h = await rec.nextNameInput();
      await whenLoaded(h);
      h.box.hide();
    })();
    await vscode.commands.executeCommand('keypairs.create');
    await box;
    const listed = (await emulator.requests()).find((r) => r.path.endsWith('/os-keypairs') && r.method === 'GET');
    const sent = `redacted:sha256=${createHash('sha256').update(TOKEN).digest('hex').slice(0, 12)}`;
    assert.equal(listed?.headers['x-auth-token'], sent, 'the stored token was sent');
    assert.equal(listed?.status, 200);

    await vscode.commands.executeCommand('keypairs.clearToken');
    await vscode.commands.executeCommand('keypairs.create');
    await rec.waitForMessage(/No API token is set/);
  });

  it('validates the name as typed, without a request per keystroke', async () => {
    await setToken(TOKEN);
    await emulator.fault({ method: 'GET', delayMs: 300, path: '/os-keypairs' });
    const running = vscode.commands.executeCommand('keypairs.create');
    const h = await rec.nextNameInput();
    assert.equal(h.box.busy, true, 'busy while the names load');
    await whenLoaded(h);
    const before = (await emulator.requests()).length;

    h.typed('bad/name');
    assert.deepEqual(validation(h), {
      message: '"/" at position 4 is not allowed. Use letters, digits, spaces, "-" and "_".',
      severity: 'Error',
    });
    h.typed(' lead');
    assert.equal(validation(h)?.severity, 'Error');
    h.typed('x'.repeat(256));
    assert.match(validation(h)!.message, /1 character too long/);
    h.typed('good name');
    assert.deepEqual(validation(h), { message: 'Saves ~/.ssh/good_name and good_name.pub.', severity: 'Info' });
    assert.equal((await emulator.requests()).length, before, 'no request while typing');
    h.box.hide();
    assert.equal(await running, undefined);
  });

  it('creates a key pair: files 0600/0644 in ~/.ssh, .pub in an editor, fingerprint shown', async () => {
    await setToken(TOKEN);
    const result = await create('host key');
    assert.ok(result, 'created');
    const priv = path.join(ssh, 'host_key');
    assert.equal(result.privatePath, priv);
    assert.equal(mode(priv), 0o600);
    assert.equal(mode(`${priv}.pub`), 0o644);
    const pub = fs.readFileSync(`${priv}.pub`, 'utf8');
    assert.equal(keyData(execFileSync('ssh-keygen', ['-y', '-f', priv], { encoding: 'utf8' })), keyData(pub));
    const md5 = group(
      /MD5:(\S+)/,
      execFileSync('ssh-keygen', ['-E', 'md5', '-lf', `${priv}.pub`], { encoding: 'utf8' }),
    );
    assert.equal(result.fingerprint, md5);

    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, `${priv}.pub`);
    assert.equal(editor?.document.getText(), pub);
    const done = await rec.waitForMessage(/Key pair "host key" created/);
    assert.ok(done.message.includes(md5) && done.message.includes('~/.ssh/host_key'));
    const sha256 = group(/(SHA256:\S+)/, execFileSync('ssh-keygen', ['-lf', `${priv}.pub`], { encoding: 'utf8' }));
    assert.ok(done.message.includes(`${md5}, ${sha256}`), `SHA256 beside MD5: ${done.message}`);
    // One notification, two buttons at most: the next step and the copy (the rest is in the editor's menu).
    assert.deepEqual(done.actions, ['Add to SSH Config', 'Copy Public Key']);
    assert.deepEqual(await emulator.names(), ['host key']);
  });

  it('with keypairs.passphrase "ask": the key needs the passphrase typed, and Add to ssh-agent adds it', async function () {
    this.timeout(60_000);
    const config = vscode.workspace.getConfiguration('keypairs');
    const agentDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skp-agent-'));
    const socket = path.join(agentDir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    const oldSock = process.env.SSH_AUTH_SOCK;
    try {
      for (let i = 0; i < 100 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      process.env.SSH_AUTH_SOCK = socket;
      await config.update('passphrase', 'ask', vscode.ConfigurationTarget.Global);
      await setToken(TOKEN);
      const PASS = 'typed in vs code';
      rec.answerPrompt = (p) => (p.kind === 'input' && p.options.password ? PASS : undefined);
      rec.answerMessage = (m) => (/Key pair "locked" created/.test(m.message) ? 'Add to ssh-agent' : undefined);
      const result = await create('locked');
      assert.ok(result, 'created');
      const priv = path.join(ssh, 'locked');
      const pub = fs.readFileSync(`${priv}.pub`, 'utf8');
      const derived = execFileSync('ssh-keygen', ['-y', '-P', PASS, '-f', priv], { encoding: 'utf8' });
      assert.equal(keyData(derived), keyData(pub));
      assert.throws(() => execFileSync('ssh-keygen', ['-y', '-P', 'wrong', '-f', priv], { stdio: 'pipe' }));
      const sha256 = group(/(SHA256:\S+)/, execFileSync('ssh-keygen', ['-lf', `${priv}.pub`], { encoding: 'utf8' }));
      // The button's work ends with one log line, success or failure (an event, not a poll).
      const added = await rec.waitForLog(/ "locked" .*to ssh-agent|to ssh-agent failed/);
      assert.equal(added, `info added "locked" (${sha256}) to ssh-agent`);
      const listed = execFileSync('ssh-add', ['-l'], {
        encoding: 'utf8',
        env: { ...process.env, SSH_AUTH_SOCK: socket },
      });
      assert.ok(listed.includes(sha256), `the agent lists the new key: ${listed}`);
      assert.deepEqual(fs.readdirSync(agentDir), ['agent.sock'], 'nothing written next to the agent');
    } finally {
      rec.answerPrompt = () => undefined;
      rec.answerMessage = () => undefined;
      await config.update('passphrase', undefined, vscode.ConfigurationTarget.Global);
      if (oldSock === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = oldSock;
      agent.kill();
      fs.rmSync(agentDir, { recursive: true, force: true });
    }
  });

  it('a taken name is an inline error; a 409 from the server reopens the box with its message', async () => {
    await setToken(TOKEN);
    await create('taken');
    const running = vscode.commands.executeCommand('keypairs.create');
    const h = await rec.nextNameInput();
    await whenLoaded(h);
    h.typed('taken');
    assert.deepEqual(validation(h), {
      message: 'A key pair named "taken" already exists in this account.',
      severity: 'Error',
    });

    // Someone else takes the name after the box loaded: the server answers 409.
    await emulator.fault({
      method: 'POST',
      status: 409,
      body: '{"conflictingRequest":{"code":409,"message":"Key pair \'late\' already exists."}}',
    });
    h.typed('late');
    h.accept();
    const again = await rec.nextNameInput();
    assert.equal(again.box.value, 'late');
    assert.deepEqual(validation(again), { message: "Key pair 'late' already exists.", severity: 'Error' });
    again.box.hide();
    assert.equal(await running, undefined);
    assert.ok(!fs.existsSync(path.join(ssh, 'late')), 'no file for a refused name');
  });

  it('a second trigger while create runs (a double click) opens no second box and creates once', async () => {
    await setToken(TOKEN);
    const first = vscode.commands.executeCommand<CreateKeyPairResult | undefined>('keypairs.create');
    const second = vscode.commands.executeCommand<CreateKeyPairResult | undefined>('keypairs.create');
    const h = await rec.nextNameInput();
    assert.equal(await second, undefined, 'the second trigger returns at once');
    await whenLoaded(h);
    h.typed('double');
    h.accept();
    assert.equal((await first)?.name, 'double');
    assert.deepEqual(await emulator.names(), ['double']);
    const posts = (await emulator.requests()).filter((r) => r.method === 'POST');
    assert.equal(posts.length, 1, 'one create request');
  });

  it('a rejected token (401) is an error offering Set API Token', async () => {
    await setToken('not-the-token');
    const result = await vscode.commands.executeCommand('keypairs.create');
    assert.equal(result, undefined);
    const m = await rec.waitForMessage(/rejected/);
    assert.equal(m.severity, 'error');
    assert.ok(m.actions.includes('Set API Token'));
    assert.ok(!m.message.includes('not-the-token'), 'the token is not shown');
  });

  it('a used-up quota (403) is an error that says so, and nothing is saved', async () => {
    await setToken(TOKEN);
    await emulator.options({ quota: 0 });
    const result = await create('over quota');
    assert.equal(result, undefined);
    const m = await rec.waitForMessage(/quota is used up/);
    assert.equal(m.severity, 'error');
    assert.ok(m.message.startsWith('Creating key pair "over quota" failed.'));
    assert.ok(!fs.existsSync(path.join(ssh, 'over_quota')));
  });

  it('after a failed create, with its error still on screen, a second Create opens the name box', async () => {
    await setToken(TOKEN);
    await emulator.options({ quota: 0 });
    let dismiss: (() => void) | undefined;
    // The error notification stays open: the user has not dismissed it.
    rec.answerMessage = (m) =>
      m.severity === 'error' ? new Promise((resolve) => (dismiss = () => resolve(undefined))) : undefined;
    assert.equal(await create('first try'), undefined);
    await rec.waitForMessage(/quota is used up/);
    assert.ok(dismiss, 'the error is still on screen');

    await emulator.options({ quota: 100 });
    const again = await create('second try');
    assert.equal(again?.name, 'second try', 'Create works while the error is shown');
    dismiss?.();
  });

  it('a server message holding a Markdown link is shown as plain text, not as a link', async () => {
    await setToken(TOKEN);
    const link = '[Fix it](command:keypairs.signOut)';
    await emulator.fault({
      method: 'POST',
      status: 400,
      body: JSON.stringify({ badRequest: { code: 400, message: `Invalid key pair. ${link}` } }),
    });
    assert.equal(await create('markdown'), undefined);
    const m = await rec.waitForMessage(/Invalid key pair/);
    assert.ok(!m.message.includes(link), `no link syntax left: ${JSON.stringify(m.message)}`);
    assert.ok(!/\]\((command|https?|file):/.test(m.message), 'nothing VS Code would link');
    assert.ok(m.message.replace(/\u200b/g, '').includes(link), 'the server text reads the same');
  });

  it('logs each request without the token', async () => {
    await setToken(TOKEN);
    await create('logged');
    assert.ok(
      rec.log.some((l) => /POST http:\/\/127\.0\.0\.1:\d+\/v2\.1\/os-keypairs 20\d \d+ ms/.test(l)),
      rec.log.join('\n'),
    );
    const all = [...rec.log, ...rec.messages.map((m) => m.message)].join('\n');
    assert.ok(!all.includes(TOKEN), 'token never logged or shown');
    assert.ok(!all.includes('PRIVATE KEY'), 'private key never logged or shown');
  });
});
