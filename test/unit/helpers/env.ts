/** Shared fixtures of the unit tests: the emulator, temp folders, OpenSSH as ground truth. */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ComputeClient, TokenSource } from '../../../src/core/api/compute';
import { HttpClient, HttpClientOptions } from '../../../src/core/api/http';
import { Emulator, EmulatorOptions, startEmulator } from '../../emulator/server';
import { group } from '../../support/must';

export const TOKEN = 'sandbox-token';

/** Starts one emulator for a `describe` block and resets it before each test. */
export function useEmulator(options: EmulatorOptions = {}): { readonly emu: Emulator } {
  const holder = {} as { emu: Emulator };
  before(async () => {
    holder.emu = await startEmulator({ tokens: [TOKEN], ...options });
  });
  beforeEach(() => holder.emu.reset());
  after(async () => {
    await holder.emu?.close();
  });
  return holder;
}

/** A fixed token, as Set API Token stores it. */
export function fixedToken(token = TOKEN): TokenSource {
  return { canRenew: false, token: async () => token };
}

/** An HTTP client with short timeouts and no retry waits, recording its log lines. */
export function testHttp(options: HttpClientOptions = {}): HttpClient & { lines: string[] } {
  const lines: string[] = [];
  const http = new HttpClient({
    retryBaseMs: 10,
    connectTimeoutMs: 2000,
    headersTimeoutMs: 2000,
    bodyTimeoutMs: 2000,
    log: (l) => lines.push(l),
    ...options,
  });
  return Object.assign(http, { lines });
}

export function compute(
  endpoint: string,
  options: { http?: HttpClient; auth?: TokenSource; microversion?: string } = {},
): ComputeClient {
  return new ComputeClient({
    endpoint,
    http: options.http ?? testHttp(),
    auth: options.auth ?? fixedToken(),
    microversion: options.microversion,
  });
}

/** A fresh temp folder, removed after the current test file. */
export function tempDir(prefix = 'skp-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A key folder not created yet, a new one for each test (`<suite temp>/ssh-<n>`, so a flow
 * makes it as it would `~/.ssh`); `use` gets its path before each test.
 */
export function newSshDirEachTest(use: (dir: string) => void): void {
  let root: string;
  let n = 0;
  before(() => (root = tempDir()));
  beforeEach(() => use(path.join(root, `ssh-${++n}`)));
}

/** The names in `dir`, sorted; none when it does not exist. */
export function filesIn(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** `ssh-keygen -y -f key`: the public key OpenSSH derives from a private key file. */
export function sshPublicFromPrivate(privatePath: string): string {
  return execFileSync('ssh-keygen', ['-y', '-f', privatePath], { encoding: 'utf8' }).trim();
}

/** `ssh-keygen -E md5 -lf key.pub` → `aa:bb:…` */
export function sshMd5(publicPath: string): string {
  const out = execFileSync('ssh-keygen', ['-E', 'md5', '-lf', publicPath], { encoding: 'utf8' });
  return group(/MD5:([0-9a-f:]+)/, out);
}

/** The `type base64` part of an OpenSSH public key line (the comment dropped). */
export function keyData(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(' ');
}

/** The error `p` fails with, checked to be an instance of `type` (a resolve fails the test). */
export async function rejection<T extends Error>(p: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const err = await p.then(
    () => assert.fail(`expected a ${type.name}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof type, `${type.name} expected, got ${err}`);
  return err;
}

export function mode(p: string): number {
  return fs.statSync(p).mode & 0o777;
}
