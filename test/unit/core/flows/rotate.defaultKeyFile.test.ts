// isDefaultKeyFile (core/flows/rotate/plan): Rotate warns before it deletes one of ssh's default
// key files, which ssh offers to every server. It reads the path through homeRelative (ssh/config/paths),
// the one rule for "under ~" that the SSH config writer uses too.
import * as assert from 'node:assert/strict';
import { isDefaultKeyFile } from '../../../../src/core/flows/rotate/plan';

describe('isDefaultKeyFile (core/flows/rotate/plan)', () => {
  it("names ssh's default key files under ~/.ssh, and nothing else", () => {
    assert.equal(isDefaultKeyFile('/home/ann/.ssh/id_ed25519', '/home/ann', 'linux'), true);
    assert.equal(isDefaultKeyFile('/home/ann/.ssh/../.ssh/id_rsa', '/home/ann', 'linux'), true);
    assert.equal(isDefaultKeyFile('/home/ann/.ssh/web', '/home/ann', 'linux'), false);
    assert.equal(isDefaultKeyFile('/home/ann/.ssh/id_ed25519.pub', '/home/ann', 'linux'), false);
    assert.equal(isDefaultKeyFile('/home/bob/.ssh/id_rsa', '/home/ann', 'linux'), false);
    assert.equal(isDefaultKeyFile('/home/ann/keys/.ssh/id_rsa', '/home/ann', 'linux'), false);
  });

  it('compares case-sensitively on Linux and in any case on Windows', () => {
    assert.equal(isDefaultKeyFile('/home/ann/.ssh/ID_RSA', '/home/ann', 'linux'), false);
    assert.equal(isDefaultKeyFile('c:\\users\\ann\\.SSH\\ID_RSA', 'C:\\Users\\Ann', 'win32'), true);
    assert.equal(isDefaultKeyFile('C:\\Users\\Ann\\.ssh\\id_ecdsa_sk', 'C:\\Users\\Ann', 'win32'), true);
    assert.equal(isDefaultKeyFile('C:\\Users\\Ann\\.ssh\\work', 'C:\\Users\\Ann', 'win32'), false);
  });

  it('an unknown home (empty) makes no file a default one', () => {
    // Before, an empty home joined to ".ssh/id_rsa" under the current folder.
    const cwd = process.cwd();
    assert.equal(isDefaultKeyFile(`${cwd}/.ssh/id_rsa`, '', 'linux'), false);
  });
});
