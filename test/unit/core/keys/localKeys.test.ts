import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  defaultImportName,
  findLocalKey,
  listPublicKeyFiles,
  localKeyIndex,
  MAX_PUBLIC_KEY_FILE_BYTES,
  readPublicKeyFile,
} from '../../../../src/core/keys/localKeys';
import { PublicKeyError } from '../../../../src/core/keys/publicKey';
import { keygenFingerprint, sshKeygen } from '../../helpers/keysTestUtil';
import { tempDir } from '../../helpers/env';
import { exactly, must } from '../../../support/must';

/** `ssh-keygen -t type -f dir/name`: a private key and its `.pub`. */
function keygen(
  dir: string,
  name: string,
  type = 'ed25519',
  comment = `${name}@test`,
): { privatePath: string; publicPath: string; md5: string } {
  const privatePath = path.join(dir, name);
  sshKeygen(['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', comment, '-f', privatePath]);
  const publicPath = `${privatePath}.pub`;
  return { privatePath, publicPath, md5: keygenFingerprint(publicPath, 'md5').replace(/^MD5:/, '') };
}

describe('manage: local keys of the SSH folder', () => {
  let root: string;
  let n = 0;
  const fresh = () => {
    const dir = path.join(root, `ssh-${++n}`);
    fs.mkdirSync(dir);
    return dir;
  };
  before(() => (root = tempDir('skp-manage-')));

  it('indexes the .pub files whose private key exists, by the MD5 fingerprint ssh-keygen prints', async () => {
    const dir = fresh();
    const ed = keygen(dir, 'id_ed25519');
    const rsa = keygen(dir, 'work rsa', 'rsa');
    const orphan = keygen(dir, 'orphan');
    fs.rmSync(orphan.privatePath);
    const index = await localKeyIndex(dir);
    assert.deepEqual([...index.keys()].sort(), [ed.md5, rsa.md5].sort());
    assert.deepEqual(index.get(ed.md5), {
      publicPath: ed.publicPath,
      privatePath: ed.privatePath,
      fingerprint: ed.md5,
    });
    assert.equal(index.get(rsa.md5)?.privatePath, rsa.privatePath, 'names with spaces are fine');
    assert.equal(findLocalKey(index, orphan.md5), undefined, 'a .pub without its private key is not a local key pair');
    assert.equal(
      findLocalKey(index, ` ${ed.md5.toUpperCase()} `)?.privatePath,
      ed.privatePath,
      'server fingerprints are matched case-insensitively',
    );
  });

  it('matches by fingerprint whatever the files are called, and the first file wins a shared fingerprint', async () => {
    const dir = fresh();
    const a = keygen(dir, 'b-original');
    fs.copyFileSync(a.privatePath, path.join(dir, 'a-copy'));
    fs.copyFileSync(a.publicPath, path.join(dir, 'a-copy.pub'));
    const index = await localKeyIndex(dir);
    assert.equal(index.size, 1);
    assert.equal(index.get(a.md5)?.privatePath, path.join(dir, 'a-copy'));
  });

  it('lists every .pub file sorted, parsed, with the reason when it is not a usable public key', async () => {
    const dir = fresh();
    const ok = keygen(dir, 'ok', 'ecdsa', 'laptop key');
    fs.writeFileSync(path.join(dir, 'broken.pub'), 'ssh-ed25519 not-base64!!\n');
    fs.writeFileSync(path.join(dir, 'private.pub'), fs.readFileSync(ok.privatePath));
    fs.writeFileSync(path.join(dir, 'config'), 'Host x\n');
    fs.writeFileSync(path.join(dir, '.pub'), 'ssh-ed25519 AAAA\n');
    fs.mkdirSync(path.join(dir, 'folder.pub'));
    fs.symlinkSync(ok.publicPath, path.join(dir, 'link.pub'));
    const files = await listPublicKeyFiles(dir);
    assert.deepEqual(
      files.map((f) => f.file),
      ['broken.pub', 'link.pub', 'ok.pub', 'private.pub'],
    );
    const [broken, link, good, priv] = exactly(files, 4, 'files');
    assert.match(broken.error ?? '', /base64/);
    assert.equal(broken.key, undefined);
    assert.equal(link.fingerprint, ok.md5, 'symlinks are followed');
    assert.equal(link.privatePath, undefined, 'link has no private sibling');
    assert.equal(good.key?.type, 'ecdsa-sha2-nistp256');
    assert.equal(good.key?.comment, 'laptop key');
    assert.equal(good.fingerprint, ok.md5);
    assert.equal(good.privatePath, ok.privatePath);
    assert.match(priv.error ?? '', /PRIVATE key/);
  });

  it('has nothing for a missing folder or a file in its place', async () => {
    assert.deepEqual(await listPublicKeyFiles(path.join(root, 'nope')), []);
    const file = path.join(root, 'plain-file');
    fs.writeFileSync(file, 'x');
    assert.deepEqual(await listPublicKeyFiles(file), []);
    assert.equal((await localKeyIndex(path.join(root, 'nope'))).size, 0);
  });

  it('refuses to read a file too large to be a public key', async () => {
    const dir = fresh();
    const big = path.join(dir, 'big.pub');
    fs.writeFileSync(big, 'a'.repeat(MAX_PUBLIC_KEY_FILE_BYTES + 1));
    await assert.rejects(
      readPublicKeyFile(big),
      (e: unknown) => e instanceof PublicKeyError && /too large/.test(e.message),
    );
    const listed = await listPublicKeyFiles(dir);
    assert.match(must(listed[0], 'the listed file').error ?? '', /too large/);
  });

  it('offers the comment as import name when valid, else the file name, else nothing', () => {
    assert.equal(defaultImportName({ comment: 'laptop key' }, '/h/.ssh/id_ed25519.pub'), 'laptop key');
    assert.equal(
      defaultImportName({ comment: 'me@host' }, '/h/.ssh/id_ed25519.pub'),
      'id_ed25519',
      '"@" only from 2.92',
    );
    assert.equal(defaultImportName({ comment: 'me@host' }, '/h/.ssh/id_ed25519.pub', '2.92'), 'me@host');
    assert.equal(defaultImportName({ comment: '' }, '/h/.ssh/my.key.pub'), '', 'neither is valid before 2.92');
    assert.equal(defaultImportName({ comment: '' }, undefined), '');
  });
});
