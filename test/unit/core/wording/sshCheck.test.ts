import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeSshCheck } from '../../../../src/core/wording/sshCheck';

describe('wording/sshCheck describeSshCheck (what the user reads after Add to SSH Config)', () => {
  it('confirms an entry that takes effect', () => {
    assert.deepEqual(describeSshCheck({ status: 'effective' }, 'web1'), {
      severity: 'info',
      text: 'ssh -G confirms that "ssh web1" uses it.',
    });
  });

  it('warns which values another entry still sets, with paths under home as ~', () => {
    const v = describeSshCheck(
      {
        status: 'overridden',
        differences: [
          { option: 'User', expected: 'ubuntu', actual: 'bob' },
          { option: 'IdentityFile', expected: path.join(os.homedir(), '.ssh', 'k'), actual: '/keys/other' },
        ],
      },
      'web1',
    );
    assert.equal(v.severity, 'warning');
    assert.equal(
      v.text,
      `But another entry still wins for "ssh web1" (ssh uses the first value it finds): User is bob, not ubuntu; ` +
        `IdentityFile /keys/other is tried first, not ~${path.sep}.ssh${path.sep}k. Change or move the entry that sets these.`,
    );
  });

  it('says when it could not check', () => {
    assert.match(describeSshCheck({ status: 'not-checked', reason: 'no-ssh' }, 'a').text, /no ssh command was found/);
    assert.match(
      describeSshCheck({ status: 'not-checked', reason: 'failed', detail: 'Bad configuration option' }, 'a').text,
      /ssh -G: Bad configuration option$/,
    );
  });
});
