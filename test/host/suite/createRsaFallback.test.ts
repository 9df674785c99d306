/**
 * In the real extension host: Create against a cloud that refuses ed25519 (the emulator's
 * `refuseKeyTypes`, answering 400 as an older Nova does). One question is asked; No leaves
 * nothing on either side, Yes creates an RSA 4096 pair whose files OpenSSH reads.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ShownMessage } from '../../../src/shell/ui/notify';
import { emulator, TOKEN, useRecorder } from './harness';

const ssh = path.join(os.homedir(), '.ssh');
const QUESTION = /^The cloud does not accept ed25519 keys\. Create an RSA 4096 key for "(.+)" instead\? /;
const keyData = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ');
const sshFiles = () => (fs.existsSync(ssh) ? fs.readdirSync(ssh).sort() : []);

/** The demo account's pairs as the emulator keeps them (Nova-style scope). */
async function serverPairs(): Promise<Array<{ name: string; public_key: string }>> {
  const state = (await (await fetch(`${process.env.KEYPAIRS_EMULATOR}/_emulator/state`)).json()) as {
    keypairs: Record<string, Record<string, Array<{ name: string; public_key: string }>>>;
  };
  return Object.values(state.keypairs).flatMap((scopes) => Object.values(scopes).flat());
}

describe('Create when the cloud refuses ed25519 (extension host)', () => {
  const rec = useRecorder();
  beforeEach(async () => {
    await rec.setToken(TOKEN);
    await emulator.options({ refuseKeyTypes: ['ssh-ed25519'] });
  });

  const questions = (): ShownMessage[] => rec.messages.filter((m) => QUESTION.test(m.message));

  it('asks once; No leaves no pair on the server and no file in ~/.ssh', async () => {
    const before = sshFiles();
    rec.answerMessage = () => undefined; // the modal's Cancel
    assert.equal(await rec.create('old nova'), undefined);
    const [asked, ...again] = questions();
    assert.ok(asked, `the question was shown; messages: ${JSON.stringify(rec.messages.map((m) => m.message))}`);
    assert.deepEqual(again, [], 'asked once');
    assert.equal(asked.modal, true);
    assert.equal(asked.severity, 'warning');
    assert.deepEqual(asked.actions, ['Create RSA 4096 Key']);
    assert.match(
      asked.message,
      /for "old nova" instead\? Nothing was created: the ed25519 key was not kept, here or on the server\./,
    );
    assert.deepEqual(await serverPairs(), [], 'no pair on the server');
    assert.deepEqual(sshFiles(), before, 'no file left in ~/.ssh');
    assert.deepEqual(
      rec.messages.filter((m) => m.severity === 'error'),
      [],
      'a No is not an error',
    );
    const posts = (await emulator.requests()).filter((r) => r.method === 'POST' && r.path.endsWith('/os-keypairs'));
    assert.deepEqual(
      posts.map((r) => r.status),
      [400],
      'one import, refused; nothing sent after the No',
    );
  });

  it('Yes creates an RSA 4096 pair whose private key ssh-keygen reads and whose public key is the server’s', async function () {
    this.timeout(60_000);
    rec.answerMessage = (m) => (QUESTION.test(m.message) ? 'Create RSA 4096 Key' : undefined);
    const result = await rec.create('old nova rsa');
    assert.ok(result, 'created');
    assert.equal(questions().length, 1, 'asked once');
    const priv = path.join(ssh, 'old_nova_rsa');
    assert.equal(result.privatePath, priv);
    const derived = execFileSync('ssh-keygen', ['-y', '-f', priv], { encoding: 'utf8' });
    assert.match(derived, /^ssh-rsa /);
    const bits = execFileSync('ssh-keygen', ['-l', '-f', priv], { encoding: 'utf8' });
    assert.match(bits, /^4096 /, bits);
    const [onServer, ...more] = await serverPairs();
    assert.deepEqual(more, [], 'one pair on the server');
    assert.equal(onServer?.name, 'old nova rsa');
    assert.equal(keyData(onServer.public_key), keyData(derived), 'the server holds the public key of the file');
    assert.equal(keyData(fs.readFileSync(`${priv}.pub`, 'utf8')), keyData(derived));
    await rec.waitForMessage(/Key pair "old nova rsa" created/);
  });
});
