/** Shared helpers for tests against the real test sshd (test/support/sshd.ts). */
import { execFile } from 'node:child_process';
import { Sshd, sshArgsFor, sshdProblem } from '../../support/sshd';

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
