import * as assert from 'node:assert/strict';
import { NameContext, nameSets, validateName } from '../../../../src/core/flows/validateName';

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
    assert.deepEqual(validateName('web', ctx()), {
      severity: 'error',
      message: 'A key pair named "web" already exists in this account.',
    });
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
    assert.deepEqual(validateName('new server', ctx()), {
      severity: 'info',
      message: 'Saves ~/.ssh/new_server and new_server.pub.',
    });
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

describe("validateName: OpenSSH's own files are never key files (#10.1)", () => {
  const ctx = (files: string[] = []): NameContext => ({
    microversion: '2.92',
    files: new Set(files),
    directoryShown: '~/.ssh',
  });
  const OPENSSH_FILES = [
    'config',
    'authorized_keys',
    'authorized_keys2',
    'known_hosts',
    'known_hosts2',
    'known_hosts.old',
    'rc',
    'environment',
    'agent.sock',
  ];

  for (const file of OPENSSH_FILES) {
    it(`refuses "${file}" and says whose file it is, even when it does not exist yet`, () => {
      const v = validateName(file, ctx());
      assert.equal(v.severity, 'error', v.message);
      assert.match(
        v.message,
        new RegExp(`^${file.replace('.', '\\.')} is OpenSSH's own file \\(~/\\.ssh/${file.replace('.', '\\.')}\\): `),
      );
    });
  }

  it('words why for the files that matter most', () => {
    assert.equal(
      validateName('config', ctx()).message,
      "config is OpenSSH's own file (~/.ssh/config): saving a key there would break ssh. Choose another name.",
    );
    assert.match(validateName('rc', ctx()).message, /sshd runs it at every login/);
    assert.match(validateName('authorized_keys', ctx()).message, /sshd/);
  });

  it('refuses names that become such a file: spaces turn into "_", other case, a trailing dot (Windows drops it)', () => {
    for (const name of [
      'authorized keys',
      'known hosts',
      'Config',
      'CONFIG',
      'Authorized_Keys2',
      'config.',
      'rc..',
      'Known_Hosts.OLD',
    ]) {
      const v = validateName(name, ctx());
      assert.equal(v.severity, 'error', `${name}: ${v.message}`);
      assert.match(v.message, /OpenSSH's own file/, name);
    }
  });

  it('refuses a private key file ending in ".pub", saying it would be taken for a public key', () => {
    for (const name of ['a.pub', 'id.PUB', 'x.pub.pub', 'b.pub.']) {
      const v = validateName(name, ctx());
      assert.equal(v.severity, 'error', `${name}: ${v.message}`);
      assert.match(v.message, /\.pub/, name);
      assert.match(v.message, /public key/, name);
    }
  });

  it('refuses "a.pub" when key "a" exists: it would be the public key file of "a"', () => {
    const v = validateName('a.pub', ctx(['a']));
    assert.equal(v.severity, 'error');
    assert.match(v.message, /a\.pub/);
  });

  it('refuses a name whose file exists in another case (one file on macOS and Windows)', () => {
    for (const [name, files] of [
      ['web', ['Web']],
      ['Web', ['web.pub']],
      ['web.', ['web']],
    ] as const) {
      const v = validateName(name, ctx([...files]));
      assert.equal(v.severity, 'error', `${name}: ${v.message}`);
      assert.match(v.message, /already exists/, name);
    }
  });

  it('refuses Windows device names, where the key would not become a file', () => {
    for (const name of ['nul', 'CON', 'com1', 'aux.key', 'LPT9']) {
      const v = validateName(name, ctx());
      assert.equal(v.severity, 'error', `${name}: ${v.message}`);
      assert.match(v.message, /Windows/, name);
    }
  });

  it('still accepts look-alikes that are not those files', () => {
    for (const name of [
      'configs',
      'my config',
      'rc1',
      'known_hosts3',
      'pub',
      'a.pubkey',
      'console',
      'id_ed25519_work',
      'nullish',
    ]) {
      assert.equal(validateName(name, ctx()).severity, 'info', name);
    }
  });

  it('for an import (nothing is written) the file rules do not apply', () => {
    assert.equal(validateName('config', { microversion: '2.92', files: new Set() }).severity, 'info');
  });
});
