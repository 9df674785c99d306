/** Shared helpers for the src/keys unit tests: temp dirs and ssh-keygen as ground truth. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { must } from '../../support/must';

/** Creates a fresh temp directory, removed after the current mocha suite (call from `before`/`it`). */
export function makeTempDir(cleanup: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keys-test-'));
  cleanup.push(dir);
  return dir;
}

/** Removes every directory collected by {@link makeTempDir}. */
export function removeTempDirs(cleanup: string[]): void {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs ssh-keygen and returns its stdout; throws with stderr on failure. */
export function sshKeygen(args: string[]): string {
  return execFileSync('ssh-keygen', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Generates a key with `ssh-keygen -t type` in `dir`; returns the private key path and the public key line. */
export function keygenKey(dir: string, type: string, bits?: number): { privatePath: string; publicLine: string } {
  const privatePath = path.join(dir, `${type}-${bits ?? 'default'}-${Math.random().toString(36).slice(2)}`);
  sshKeygen([
    '-q',
    '-t',
    type,
    ...(bits ? ['-b', String(bits)] : []),
    '-N',
    '',
    '-C',
    `test ${type}`,
    '-f',
    privatePath,
  ]);
  return { privatePath, publicLine: readFileSync(`${privatePath}.pub`, 'utf8') };
}

/** `ssh-keygen -E <hash> -lf file`: the fingerprint field (second word). */
export function keygenFingerprint(file: string, hash: 'md5' | 'sha256'): string {
  return must(sshKeygen(['-E', hash, '-lf', file]).split(' ')[1], `the fingerprint of ${file}`);
}
