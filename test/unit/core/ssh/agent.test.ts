import * as assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { AgentError, addToAgent } from '../../../../src/core/ssh/agent';
import { generateEd25519, generateEd25519Async } from '../../../../src/core/keys/generate';
import { PrivateKeyError, readPrivateKey } from '../../../../src/core/keys/opensshKey';
import { encodeString, encodeUint32 } from '../../../../src/core/keys/sshWire';
import { makeTempDir, removeTempDirs, sshKeygen } from '../../helpers/keysTestUtil';

/** `ssh-add -l` against `socket`: the listed lines ('' if the agent has no keys). */
function listAgent(socket: string): string {
  try {
    return execFileSync('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: 'utf8' });
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 1) return ''; // "The agent has no identities."
    throw err;
  }
}

/** Starts `ssh-agent -a socket -D`; resolves once it has printed its SSH_AUTH_SOCK line (it listens by then). */
function startAgent(socket: string): Promise<ChildProcess> {
  const agent = spawn('ssh-agent', ['-a', socket, '-D'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    agent.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('SSH_AUTH_SOCK=')) resolve(agent);
    });
    agent.once('error', reject);
    agent.once('exit', (status) => reject(new Error(`ssh-agent exited (${status})`)));
  });
}

/** Sends one raw agent request and resolves to the reply's message type. */
function agentRequest(socket: string, type: number, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const connection = net.connect(socket, () => {
      const body = Buffer.concat([Buffer.of(type), payload]);
      connection.write(Buffer.concat([encodeUint32(body.length), body]));
    });
    connection.once('data', (reply: Buffer) => {
      connection.destroy();
      resolve(reply.readUInt8(4));
    });
    connection.once('error', reject);
  });
}

/** A unix socket server that answers each request with `reply` (or never, for undefined). */
function fakeAgent(socket: string, reply: Buffer | undefined): Promise<net.Server> {
  const server = net.createServer((connection) => {
    connection.once('data', () => reply && connection.write(reply));
    connection.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(socket, () => resolve(server)));
}

function isAgentError(code: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof AgentError && err.code === code;
}

describe('keys/agent addToAgent (real ssh-agent)', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  let dir: string;
  let socket: string;
  let agent: ChildProcess;

  before(async () => {
    dir = makeTempDir(dirs);
    socket = path.join(dir, 'agent.sock');
    agent = await startAgent(socket);
  });
  after(() => {
    agent.kill();
    removeTempDirs(dirs);
  });
  beforeEach(() => {
    execFileSync('ssh-add', ['-D'], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
  });

  it('adds a passphrase-protected ed25519 key: ssh-add -l lists its SHA256 fingerprint and comment', async () => {
    const key = await generateEd25519Async({ comment: 'created key', passphrase: 'pass phrase', rounds: 2 });
    const fingerprint = await addToAgent(key.privateKey, { socket, passphrase: 'pass phrase' });
    assert.equal(fingerprint, key.sha256);
    assert.equal(listAgent(socket), `256 ${key.sha256} created key (ED25519)\n`);
  });

  it('adds a Nova RSA PEM key and ECDSA keys from ssh-keygen, with the comment given', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' });
    const rsa = await addToAgent(pem.toString(), { socket, comment: 'nova key' });
    const lines = [`2048 ${rsa} nova key (RSA)`];
    for (const bits of [256, 384, 521]) {
      const file = path.join(dir, `ecdsa-${bits}`);
      sshKeygen(['-q', '-t', 'ecdsa', '-b', String(bits), '-N', '', '-C', `ec ${bits}`, '-f', file]);
      const fingerprint = await addToAgent(readFileSync(file, 'utf8'), { socket });
      assert.equal(fingerprint, sshKeygen(['-lf', `${file}.pub`]).split(' ')[1]);
      lines.push(`${bits} ${fingerprint} ec ${bits} (ECDSA)`);
    }
    assert.deepEqual(listAgent(socket).trim().split('\n'), lines);
  });

  it('accepts an already read key (no second key derivation)', async () => {
    const key = generateEd25519('read once');
    const fingerprint = await addToAgent(readPrivateKey(key.privateKey), { socket });
    assert.ok(listAgent(socket).split('\n').includes(`256 ${fingerprint} read once (ED25519)`));
  });

  it('with a lifetime, the agent forgets the key after it', async () => {
    const key = generateEd25519('short lived');
    await addToAgent(key.privateKey, { socket, lifetimeSeconds: 1 });
    assert.match(listAgent(socket), /short lived/);
    // No event tells when ssh-agent expires a key: poll ssh-add -l, at most 10 s.
    const deadline = Date.now() + 10_000;
    while (listAgent(socket).includes('short lived')) {
      assert.ok(Date.now() < deadline, 'the key was still listed 10 s after its 1 s lifetime');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  it('rejects a bad lifetime before contacting the agent', async () => {
    const key = generateEd25519('x').privateKey;
    for (const lifetimeSeconds of [0, -1, 1.5, 2 ** 32]) {
      await assert.rejects(addToAgent(key, { socket, lifetimeSeconds }), RangeError);
    }
    assert.equal(listAgent(socket), '');
  });

  it('a locked agent refuses: typed error "refused", nothing added', async () => {
    assert.equal(await agentRequest(socket, 22, encodeString('lockpw')), 6); // SSH_AGENTC_LOCK
    try {
      await assert.rejects(addToAgent(generateEd25519('locked').privateKey, { socket }), isAgentError('refused'));
    } finally {
      assert.equal(await agentRequest(socket, 23, encodeString('lockpw')), 6); // SSH_AGENTC_UNLOCK
    }
    assert.equal(listAgent(socket), '');
  });

  it('no agent: SSH_AUTH_SOCK unset or nothing listening gives "no-agent"', async () => {
    const key = generateEd25519('x').privateKey;
    await assert.rejects(addToAgent(key, { socket: undefined }), isAgentError('no-agent'));
    await assert.rejects(addToAgent(key, { socket: '' }), isAgentError('no-agent'));
    await assert.rejects(addToAgent(key, { socket: path.join(dir, 'missing.sock') }), isAgentError('no-agent'));
  });

  it('an agent that answers nonsense or nothing gives "protocol" or "timeout"', async () => {
    const key = generateEd25519('x').privateKey;
    const nonsense = path.join(dir, 'nonsense.sock');
    const silent = path.join(dir, 'silent.sock');
    const servers = [await fakeAgent(nonsense, Buffer.from([0, 0, 0, 1, 99])), await fakeAgent(silent, undefined)];
    try {
      await assert.rejects(addToAgent(key, { socket: nonsense }), isAgentError('protocol'));
      await assert.rejects(addToAgent(key, { socket: silent, timeoutMs: 200 }), isAgentError('timeout'));
    } finally {
      for (const server of servers) server.close();
    }
  });

  it('an encrypted key needs its passphrase; errors never contain it', async () => {
    const secret = 'agent-secret-93d1';
    const key = await generateEd25519Async({ comment: 'p', passphrase: secret, rounds: 1 });
    const encrypted = (err: unknown) => err instanceof PrivateKeyError && err.code === 'encrypted';
    await assert.rejects(addToAgent(key.privateKey, { socket }), encrypted);
    const errors: unknown[] = [];
    await addToAgent(key.privateKey, { socket, passphrase: `${secret}x` }).catch((err: unknown) => errors.push(err));
    const missing = path.join(dir, 'none.sock');
    await addToAgent(key.privateKey, { socket: missing, passphrase: secret }).catch((err: unknown) => errors.push(err));
    assert.equal(errors.length, 2);
    assert.ok(errors[0] instanceof PrivateKeyError && errors[0].code === 'wrong-passphrase');
    assert.ok(errors[1] instanceof AgentError && errors[1].code === 'no-agent');
    for (const err of errors as Error[]) assert.ok(!`${err.message}\n${err.stack}`.includes(secret));
    assert.equal(listAgent(socket), '');
  });
});
