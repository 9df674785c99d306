import * as assert from 'node:assert/strict';
import { identityFileWord, resolveIdentityArgument } from '../../../../../src/core/ssh/config/paths';
import { HOME } from '../../../helpers/sshConfigFixtures';

describe('ssh/config/paths: identity files and ~/ (one implementation)', () => {
  it('writes identity files as ~/… under the home ssh uses, / on Windows', () => {
    assert.equal(identityFileWord('/home/ann/.ssh/k', HOME, 'linux'), '~/.ssh/k');
    assert.equal(identityFileWord('/home/annex/k', HOME, 'linux'), '/home/annex/k');
    assert.equal(identityFileWord('C:\\Users\\ann\\.ssh\\k', 'C:\\Users\\ann', 'win32'), '~/.ssh/k');
    assert.equal(identityFileWord('D:\\keys\\my k', 'C:\\Users\\ann', 'win32'), '"D:/keys/my k"');
    assert.throws(() => identityFileWord('/a\\b', HOME, 'linux'), /"\\"/);
  });

  it('resolves every spelling of a path to the same file', () => {
    for (const spelling of ['~/.ssh/k', '/home/ann/.ssh/k', '%d/.ssh/k', '${HOME}/.ssh/k', '/home/ann/.ssh/./k']) {
      assert.equal(resolveIdentityArgument(spelling, HOME, 'linux'), '/home/ann/.ssh/k', spelling);
    }
  });
});
