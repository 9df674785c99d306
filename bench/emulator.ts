/**
 * The emulator in its own process (as a real server would be), started from its CLI
 * (out/test/emulator/cli.js) on an ephemeral 127.0.0.1 port, with its control API.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export const EMULATOR_TOKEN = 'bench-token';

export interface EmulatorProcess {
  url: string;
  computeUrl: string;
  /** Requests the emulator has logged (control routes are not logged). */
  requestCount(): Promise<number>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startEmulatorProcess(
  o: { maxMicroversion?: string; seed?: number; quota?: number } = {},
): Promise<EmulatorProcess> {
  const cli = path.join(__dirname, '..', 'test', 'emulator', 'cli.js');
  const args = [
    '--port',
    '0',
    '--token',
    EMULATOR_TOKEN,
    '--quota',
    String(o.quota ?? 1000),
    '--seed',
    String(o.seed ?? 0),
  ];
  if (o.maxMicroversion) args.push('--max-microversion', o.maxMicroversion);
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(buf.slice(0, nl));
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}) before it listened`)));
  });
  const { url, computeUrl } = JSON.parse(first) as { url: string; computeUrl: string };
  if (!new URL(url).hostname.startsWith('127.')) throw new Error(`emulator not on 127.0.0.1: ${url}`);
  const control = async (method: string, route: string) => {
    const res = await fetch(`${url}/_emulator/${route}`, { method });
    if (!res.ok) throw new Error(`emulator control ${method} ${route}: ${res.status}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  return {
    url,
    computeUrl,
    requestCount: async () => (await control('GET', 'state')).requestCount as number,
    reset: async () => void (await control('POST', 'reset')),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
