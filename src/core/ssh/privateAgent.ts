/**
 * A short-lived ssh-agent of our own, for a private key protected by a passphrase that the
 * user typed once: the key is decrypted in memory and handed to this agent over its socket
 * (src/core/ssh/agent.ts), so `ssh` can use it without asking. The passphrase is never stored,
 * never on a command line, never in a file; the agent lives in a 0700 temp folder and is
 * stopped (and the folder removed) when the caller is done. Pure core: no `vscode` import.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePublicKey } from '../keys/publicKey';

export interface PrivateAgent {
  /** The agent's socket (for `IdentityAgent`). */
  socket: string;
  /** Ends the agent (it forgets every key) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** Starts `ssh-agent -D -a <temp>/agent.sock`; resolves once its socket is there. */
export async function startPrivateAgent(agentPath = 'ssh-agent'): Promise<PrivateAgent> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keypairs-agent-'));
  await fs.chmod(dir, 0o700);
  const socket = path.join(dir, 'agent.sock');
  let child: ChildProcess;
  try {
    child = spawn(agentPath, ['-D', '-a', socket], { stdio: 'ignore' });
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (!exited) child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
      await fs.rm(dir, { recursive: true, force: true });
    })());
  for (let i = 0; i < 200; i++) {
    if (exited) break;
    const there = await fs.stat(socket).then(
      (s) => s.isSocket(),
      () => false,
    );
    if (there) return { socket, stop };
    await new Promise((r) => setTimeout(r, 10));
  }
  await stop();
  throw new Error('ssh-agent did not start.');
}

/**
 * Whether the agent at `socket` (default SSH_AUTH_SOCK) holds `publicKey`, asked with
 * `ssh-add -L`. No agent, or one that can't be asked, holds nothing.
 */
export async function agentHoldsKey(
  publicKey: string,
  socket = process.env.SSH_AUTH_SOCK,
  sshAddPath = 'ssh-add',
): Promise<boolean> {
  if (!socket) return false;
  const wanted = parsePublicKey(publicKey).blob.toString('base64');
  const out = await new Promise<string>((resolve) => {
    execFile(
      sshAddPath,
      ['-L'],
      { timeout: 10_000, windowsHide: true, env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: 'utf8' },
      (err, stdout) => resolve(err ? '' : stdout),
    );
  });
  return out.split(/\r?\n/).some((line) => line.split(/\s+/)[1] === wanted);
}
