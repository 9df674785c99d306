import * as assert from 'node:assert/strict';
import { NameContext, nameSets, validateName } from '../../src/flows/validateName';

describe('validateName (the inline check as the user types)', () => {
  const ctx = (over: Partial<NameContext> = {}): NameContext => ({
    ...nameSets(['web', 'Deploy Key']),
    files: new Set(['id_ed25519', 'id_ed25519.pub', 'old_box.pub', 'config']),
    directoryShown: '~/.ssh',
    ...over,
  });

  it("reports Nova's rule first", () => {
    assert.deepEqual(validateName('a/b', ctx()), {
      severity: 'error',
      message: '"/" at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".',
    });
  });

  it('refuses a name taken in the account, and warns about one taken in another case', () => {
    assert.deepEqual(validateName('web', ctx()), { severity: 'error', message: 'A key pair named "web" already exists in this account.' });
    const v = validateName('deploy key', ctx());
    assert.equal(v.severity, 'warning');
    assert.match(v.message, /different case/);
    assert.match(v.message, /Saves ~\/\.ssh\/deploy_key and deploy_key\.pub\.$/);
  });

  it('refuses a name whose private or public key file exists', () => {
    assert.match(validateName('id_ed25519', ctx()).message, /^~\/\.ssh\/id_ed25519 already exists\./);
    assert.match(validateName('old box', ctx()).message, /^~\/\.ssh\/old_box\.pub already exists\./);
    assert.equal(validateName('old box', ctx()).severity, 'error');
  });

  it('refuses a name whose file name would be too long, by how much', () => {
    assert.equal(validateName('k'.repeat(251), ctx()).severity, 'info', '251 + ".pub" = 255 bytes fits');
    assert.deepEqual(validateName('k'.repeat(253), ctx()), {
      severity: 'error',
      message: `The key file ${'k'.repeat(253)}.pub would be 2 bytes too long for a file name (at most 255). Use a shorter name.`,
    });
  });

  it('says where the keys go for a good name', () => {
    assert.deepEqual(validateName('new server', ctx()), { severity: 'info', message: 'Saves ~/.ssh/new_server and new_server.pub.' });
  });

  it('for an import (no files written) only checks the name', () => {
    assert.deepEqual(validateName('id_ed25519', ctx({ directoryShown: undefined })), {
      severity: 'info',
      message: 'The public key is sent under this name; no file is written.',
    });
  });

  it('works before the names are loaded', () => {
    assert.equal(validateName('web', ctx({ taken: undefined, takenLower: undefined })).severity, 'info');
  });
});
