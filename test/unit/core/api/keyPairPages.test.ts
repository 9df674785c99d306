import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError } from '../../../../src/core/api/errors';
import { importKeyPair, loadPublicKey } from '../../../../src/core/flows/importKeyPair';
import { KeyPairPages, VIEW_PAGE_SIZE } from '../../../../src/core/api/keyPairPages';
import { findLocalKey, localKeyIndex } from '../../../../src/core/keys/localKeys';
import { PublicKeyError } from '../../../../src/core/keys/publicKey';
import { sshKeygen } from '../../helpers/keysTestUtil';
import { compute, sshMd5, tempDir, useEmulator } from '../../helpers/env';
import { must } from '../../../support/must';

describe('manage: key pair pages of the view (emulator)', () => {
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const lists = () => ctx.emu.requests.filter((r) => r.method === 'GET' && /\/os-keypairs(\?|$)/.test(r.path));

  it('pages through a 5,000-pair account 200 at a time, only when asked', async () => {
    ctx.emu.seed(5000);
    const c = compute(ctx.emu.computeUrl);
    const asked: { limit?: number; marker?: string }[] = [];
    const pages = new KeyPairPages({
      listPage: (o) => {
        asked.push({ limit: o.limit, marker: o.marker });
        return c.listPage(o);
      },
    });
    assert.equal(pages.state, 'idle');
    assert.equal(lists().length, 0, 'nothing requested before the first page is asked for');

    const started = Date.now();
    await pages.first();
    assert.equal(pages.keyPairs.length, VIEW_PAGE_SIZE);
    assert.ok(pages.hasMore);
    assert.equal(pages.state, 'loaded');
    assert.deepEqual(asked, [{ limit: 200, marker: undefined }]);
    await pages.first();
    assert.equal(lists().length, 1, 'first() is loaded once');

    let rounds = 0;
    while (pages.hasMore) {
      await pages.more();
      rounds++;
    }
    // Nova links a next page whenever a page is full: 25 full pages, then an empty one.
    assert.equal(rounds, 25);
    assert.equal(pages.keyPairs.length, 5000);
    assert.equal(new Set(pages.keyPairs.map((k) => k.name)).size, 5000, 'no duplicates');
    assert.deepEqual(
      pages.keyPairs.map((k) => k.name),
      ctx.emu
        .keypairs()
        .map((k) => k.name)
        .sort(),
    );
    assert.equal(lists().length, 26);
    assert.equal(pages.requests, 26);
    assert.deepEqual(
      asked[1],
      { limit: 200, marker: must(pages.keyPairs[199], 'the 200th pair').name },
      'next page after the last name',
    );
    await pages.more();
    assert.equal(lists().length, 26, 'nothing more to ask for on the last page');
    assert.ok(Date.now() - started < 20_000);
  });

  it('shares the request in flight between concurrent callers', async () => {
    ctx.emu.seed(450);
    const pages = new KeyPairPages(compute(ctx.emu.computeUrl));
    await Promise.all([pages.first(), pages.first(), pages.more()]);
    assert.equal(lists().length, 1);
    await Promise.all([pages.more(), pages.more()]);
    assert.equal(lists().length, 2);
    assert.equal(pages.keyPairs.length, 400);
    await pages.moreUntil(10_000);
    assert.equal(pages.keyPairs.length, 450);
    assert.equal(pages.hasMore, false);
  });

  it('gets everything at once where the API has no pagination (Rackspace, before 2.35)', async () => {
    ctx.emu.seed(700);
    const pages = new KeyPairPages(compute(ctx.emu.computeUrl, { microversion: '' }));
    await pages.first();
    assert.equal(pages.keyPairs.length, 700);
    assert.equal(pages.hasMore, false);
    assert.equal(lists().length, 1);
  });

  it('an empty account is loaded and empty', async () => {
    const pages = new KeyPairPages(compute(ctx.emu.computeUrl));
    await pages.first();
    assert.equal(pages.state, 'loaded');
    assert.equal(pages.keyPairs.length, 0);
    assert.equal(pages.hasMore, false);
  });

  it('keeps a failed first page as an error; a new listing (refresh) loads again', async () => {
    ctx.emu.seed(3);
    ctx.emu.addFault({
      method: 'GET',
      path: /os-keypairs/,
      status: 503,
      body: '{"serviceUnavailable":{"code":503,"message":"down"}}',
      times: 10,
    });
    const failing = new KeyPairPages(compute(ctx.emu.computeUrl));
    await assert.rejects(failing.first(), ApiError);
    assert.equal(failing.state, 'error');
    const before = lists().length;
    await assert.rejects(failing.first(), ApiError);
    assert.equal(lists().length, before, 'the failure is remembered, not retried per render');

    ctx.emu.clearFaults();
    const again = new KeyPairPages(compute(ctx.emu.computeUrl));
    await again.first();
    assert.equal(again.keyPairs.length, 3);
  });

  it('keeps loaded pages when a later page fails, and can ask for it again', async () => {
    ctx.emu.seed(300);
    const pages = new KeyPairPages(compute(ctx.emu.computeUrl));
    await pages.first();
    ctx.emu.addFault({
      method: 'GET',
      path: /os-keypairs$/,
      status: 500,
      body: '{"computeFault":{"code":500,"message":"boom"}}',
      times: 5,
    });
    await assert.rejects(pages.more(), ApiError);
    assert.equal(pages.keyPairs.length, 200);
    assert.ok(pages.hasMore);
    ctx.emu.clearFaults();
    await pages.more();
    assert.equal(pages.keyPairs.length, 300);
  });

  it('ignores the answer of a listing disposed meanwhile (refresh during load)', async () => {
    ctx.emu.seed(5);
    ctx.emu.addFault({ method: 'GET', path: /os-keypairs/, kind: 'stall-before-headers', delayMs: 300, times: 1 });
    const pages = new KeyPairPages(compute(ctx.emu.computeUrl));
    const loading = pages.first();
    assert.equal(pages.state, 'loading');
    pages.dispose();
    await loading.catch(() => undefined);
    assert.equal(pages.keyPairs.length, 0);
    assert.ok(pages.disposed);
  });

  it('marks the pairs whose private key is local, with no request per pair', async () => {
    const dir = tempDir('skp-manage-view-');
    const priv = path.join(dir, 'laptop');
    sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-C', 'laptop', '-f', priv]);
    const c = compute(ctx.emu.computeUrl);
    await c.create('mine', { publicKey: fs.readFileSync(`${priv}.pub`, 'utf8').trim() });
    ctx.emu.seed(250);
    const pages = new KeyPairPages(c);
    const [index] = await Promise.all([localKeyIndex(dir), pages.moreUntil(1000)]);
    const local = pages.keyPairs.filter((k) => findLocalKey(index, k.fingerprint));
    assert.deepEqual(
      local.map((k) => k.name),
      ['mine'],
    );
    assert.equal(findLocalKey(index, must(local[0], 'the local key').fingerprint)?.privatePath, priv);
    assert.equal(ctx.emu.requests.filter((r) => /os-keypairs\/./.test(r.path)).length, 0, 'no GET per key pair');
  });
});

describe('manage: import flow (emulator)', () => {
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  let dir: string;
  before(() => (dir = tempDir('skp-manage-import-')));
  const posts = () => ctx.emu.requests.filter((r) => r.method === 'POST');

  for (const microversion of [undefined, '', '2.10']) {
    it(`imports a key ssh-keygen made and the fingerprints agree (microversion ${microversion === undefined ? 'discovered' : microversion || 'none'})`, async () => {
      const priv = path.join(dir, `k-${microversion ?? 'auto'}`);
      sshKeygen(['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'ann@laptop', '-f', priv]);
      const key = await loadPublicKey(`${priv}.pub`);
      const result = await importKeyPair({
        compute: compute(ctx.emu.computeUrl, { microversion }),
        name: 'laptop',
        key,
      });
      assert.equal(result.matches, true);
      assert.equal(result.localFingerprint, sshMd5(`${priv}.pub`));
      assert.equal(result.keyPair.fingerprint, result.localFingerprint);
      const stored = ctx.emu.keypairs().find((k) => k.name === 'laptop');
      assert.equal(
        stored?.public_key.split(' ').slice(0, 2).join(' '),
        fs.readFileSync(`${priv}.pub`, 'utf8').split(' ').slice(0, 2).join(' '),
      );
    });
  }

  it('sends nothing for a malformed or private key file', async () => {
    const bad = path.join(dir, 'bad.pub');
    fs.writeFileSync(bad, 'ssh-rsa AAAAB3NzaC1yc2E= truncated\n');
    await assert.rejects(loadPublicKey(bad), PublicKeyError);
    const priv = path.join(dir, 'private-one');
    sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-f', priv]);
    await assert.rejects(loadPublicKey(priv), (e: unknown) => e instanceof PublicKeyError && /PRIVATE/.test(e.message));
    assert.equal(posts().length, 0);
  });

  it('a taken name is a conflict (the command asks again)', async () => {
    const priv = path.join(dir, 'dup');
    sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-f', priv]);
    const key = await loadPublicKey(`${priv}.pub`);
    const c = compute(ctx.emu.computeUrl);
    await importKeyPair({ compute: c, name: 'dup', key });
    await assert.rejects(
      importKeyPair({ compute: c, name: 'dup', key }),
      (e: unknown) => e instanceof ApiError && e.kind === 'conflict',
    );
  });
});
