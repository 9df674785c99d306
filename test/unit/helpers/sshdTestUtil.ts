/** Shared helpers for tests against the real test sshd (test/support/sshd.ts). */
import { execFile } from 'node:child_process';
import { Sshd, sshArgsFor, sshdProblem } from '../../support/sshd';

/** Key exchanges `sshd` went through that ended before authentication ("… [preauth]"): host key contacts. */
export const contacts = (sshd: Sshd): number => (sshd.log().match(/\[preauth\]/g) ?? []).length;

/** Waits until `probe()` holds, checking every 20 ms; fails naming `what` after `timeoutMs`. */
export async function until(what: string, probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Call in a suite's `before`: fails the suite (never skips it) when sshd can't run here,
 * with the message that says what to do.
 */
export function requireSshd(): void {
  const problem = sshdProblem();
  if (problem) throw new Error(`These tests need a real sshd. ${problem}`);
}

export interface SshResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `ssh` to `server` with only `identityFile` and the remote `command`; never throws for a non-zero exit. */
export function sshRun(server: Sshd, identityFile: string, command: string, input = ''): Promise<SshResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'ssh',
      [...sshArgsFor(server, identityFile), command],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        const status = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ status, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}
