// Retries of idempotent calls (GET, DELETE): 503, 429 and connection resets, with bounded
// exponential backoff and jitter, honouring Retry-After; POST never resent, and a create or
// import whose answer was lost looks the pair up instead. (http.test.ts already proves: 503
// retried twice then success, the bound on attempts, POST once on 503.)
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ApiError } from '../../../../src/core/api/errors';
import { HttpClient } from '../../../../src/core/api/http';
import { createKeyPair, CreateAbandonedError, RECHECK_DELAY_MS } from '../../../../src/core/flows/createKeyPair';
import { importKeyPair } from '../../../../src/core/flows/importKeyPair';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { parsePublicKey } from '../../../../src/core/keys/publicKey';
import { compute, tempDir, testHttp, TOKEN, useEmulator } from '../../helpers/env';
import { must } from '../../../support/must';

/** The waits the client logged (`GET … retry N in W ms`), in order. */
const waits = (lines: string[]) =>
  lines
    .map((l) => / retry \d+ in (\d+) ms$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, `ApiError expected, got ${String(err)}`);
  return err;
}

describe('faults: retries of idempotent calls', function () {
  this.timeout(20_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const list = () => `${ctx.emu.computeUrl}/os-keypairs`;
  const item = (name: string) => `${ctx.emu.computeUrl}/os-keypairs/${name}`;
  const auth = { 'x-auth-token': TOKEN };
  const sent = (method: string, suffix: string) =>
    ctx.emu.requests.filter((r) => r.method === method && r.path.endsWith(suffix));

  describe('backoff', () => {
    it('grows exponentially with jitter in [cap/2, cap], and really waits that long', async () => {
      const base = 20;
      const ratios: number[] = [];
      for (let run = 0; run < 8; run++) {
        ctx.emu.reset();
        const client = testHttp({ retries: 4, retryBaseMs: base });
        ctx.emu.addFault({ method: 'GET', path: '/os-keypairs', status: 503, times: Infinity });
        const started = Date.now();
        await failure(client.request({ method: 'GET', url: list(), headers: auth }));
        const elapsed = Date.now() - started;
        const w = waits(client.lines);
        assert.equal(w.length, 4, 'one wait per retry');
        assert.equal(sent('GET', '/os-keypairs').length, 5);
        w.forEach((ms, attempt) => {
          const cap = base * 2 ** attempt;
          assert.ok(ms >= cap / 2 && ms <= cap, `wait ${ms} ms of attempt ${attempt} within [${cap / 2}, ${cap}]`);
          ratios.push(ms / cap);
        });
        assert.ok(elapsed >= w.reduce((a, b) => a + b, 0), 'the waits are real');
      }
      // 32 independent draws: all in the top tenth would mean no jitter (chance 0.2^32).
      assert.ok(Math.min(...ratios) < 0.9, `jittered: ${ratios.map((r) => r.toFixed(2))}`);
      assert.ok(new Set(ratios.map((r) => r.toFixed(3))).size > 4, 'the waits vary');
    });

    it('is capped at 8 s however many attempts, never below half the cap', () => {
      const client = new HttpClient({ retryBaseMs: 500 });
      const err = new ApiError({ kind: 'unavailable', method: 'GET', url: list(), status: 503 });
      const delay = (attempt: number) =>
        (client as unknown as { retryDelay(e: unknown, a: number): number }).retryDelay(err, attempt);
      for (let attempt = 0; attempt <= 12; attempt++) {
        const cap = Math.min(8000, 500 * 2 ** attempt);
        const seen = Array.from({ length: 500 }, () => delay(attempt));
        assert.ok(Math.max(...seen) <= cap && Math.max(...seen) <= 8000, `attempt ${attempt}: at most ${cap} ms`);
        assert.ok(Math.min(...seen) >= cap / 2, `attempt ${attempt}: at least ${cap / 2} ms`);
        assert.ok(Math.max(...seen) - Math.min(...seen) > cap / 10, `attempt ${attempt}: jittered`);
      }
    });

    it('waits exactly Retry-After (seconds) instead of its own backoff', async () => {
      const client = testHttp({ retries: 2, retryBaseMs: 10 });
      ctx.emu.addFault({ method: 'GET', path: '/os-keypairs', status: 503, headers: { 'retry-after': '1' } });
      const started = Date.now();
      const res = await client.request({ method: 'GET', url: list(), headers: auth });
      assert.equal(res.status, 200);
      assert.deepEqual(waits(client.lines), [1000]);
      assert.ok(Date.now() - started >= 1000, 'waited the second the server asked for');
    });

    it('reads Retry-After as an HTTP date too', async () => {
      const client = testHttp({ retries: 0 });
      const at = new Date(Date.now() + 60_000).toUTCString();
      ctx.emu.addFault({ method: 'GET', path: '/os-keypairs', status: 429, headers: { 'retry-after': at } });
      const err = await failure(client.request({ method: 'GET', url: list(), headers: auth }));
      assert.ok(err.retryAfterSeconds! >= 59 && err.retryAfterSeconds! <= 60, `${err.retryAfterSeconds} s`);
    });

    it('does not retry when Retry-After asks for more than 30 s: the user is told when to try', async () => {
      const client = testHttp({ retries: 2 });
      ctx.emu.addFault({
        method: 'GET',
        path: '/os-keypairs',
        status: 429,
        headers: { 'retry-after': '120' },
        times: Infinity,
      });
      const err = await failure(client.request({ method: 'GET', url: list(), headers: auth }));
      assert.equal(err.retryAfterSeconds, 120);
      assert.equal(sent('GET', '/os-keypairs').length, 1);
      assert.deepEqual(waits(client.lines), []);
    });

    it('a cancel during the wait ends it at once, without another attempt', async () => {
      const client = testHttp({ retries: 2 });
      ctx.emu.addFault({ method: 'GET', path: '/os-keypairs', status: 503, headers: { 'retry-after': '20' } });
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      const started = Date.now();
      const err = await failure(client.request({ method: 'GET', url: list(), headers: auth, signal: abort.signal }));
      assert.equal(err.kind, 'cancelled');
      assert.ok(Date.now() - started < 2000, 'did not sit out the 20 s');
      assert.equal(sent('GET', '/os-keypairs').length, 1);
    });
  });

  describe('what is retried', () => {
    const cases: Array<{ what: string; fault: Record<string, unknown> }> = [
      { what: '503', fault: { status: 503 } },
      { what: '429', fault: { status: 429 } },
      { what: 'a connection reset before the headers', fault: { kind: 'reset-before-headers' } },
      { what: 'a connection reset mid-body', fault: { kind: 'reset-mid-body' } },
    ];
    for (const c of cases) {
      it(`GET and DELETE retry ${c.what}; POST does not`, async () => {
        const client = testHttp({ retries: 2, retryBaseMs: 5 });
        ctx.emu.seed(1, { prefix: 'gone-' });
        ctx.emu.addFault({ method: 'GET', path: /\/os-keypairs$/, ...c.fault });
        assert.equal((await client.request({ method: 'GET', url: list(), headers: auth })).status, 200);
        assert.equal(sent('GET', '/os-keypairs').length, 2);

        ctx.emu.addFault({ method: 'DELETE', path: '/os-keypairs/', ...c.fault });
        const del = await client.request({ method: 'DELETE', url: item('gone-00001'), headers: auth, item: true });
        assert.equal(del.status, 202); // microversion 2.1
        assert.equal(sent('DELETE', '/os-keypairs/gone-00001').length, 2);
        assert.deepEqual(ctx.emu.keypairs(), []);

        ctx.emu.addFault({ method: 'POST', ...c.fault });
        await failure(
          client.request({ method: 'POST', url: list(), headers: auth, json: { keypair: { name: 'once' } } }),
        );
        assert.equal(sent('POST', '/os-keypairs').length, 1, 'POST sent once');
      });
    }

    const notRetried: Array<[string, Record<string, unknown>]> = [
      ['413 (even with Retry-After)', { status: 413, headers: { 'retry-after': '1' } }],
      ['500', { status: 500 }],
      ['a 200 that is not JSON', { kind: 'malformed-json' }],
      ['400', { status: 400 }],
    ];
    for (const [what, fault] of notRetried) {
      it(`GET does not retry ${what}`, async () => {
        const client = testHttp({ retries: 2, retryBaseMs: 5 });
        ctx.emu.addFault({ method: 'GET', path: /\/os-keypairs$/, ...fault, times: Infinity });
        await failure(client.request({ method: 'GET', url: list(), headers: auth }));
        assert.equal(sent('GET', '/os-keypairs').length, 1);
      });
    }
  });

  describe('POST after an ambiguous failure: looked up, never resent', () => {
    let root: string;
    let n = 0;
    before(() => (root = tempDir('skp-retries-')));
    const dir = () => path.join(root, `ssh-${++n}`);
    const never = async () => undefined;
    const sequence = () => ctx.emu.requests.map((r) => `${r.method} ${r.path.replace(/^\/v2\.1/, '')} ${r.status}`);

    it('server key, 503 from the server: one POST, then the existence check', async () => {
      ctx.emu.addFault({ method: 'POST', status: 503, times: Infinity });
      const sleeps: number[] = [];
      const err = await createKeyPair({
        generation: 'server',
        compute: compute(ctx.emu.computeUrl, { microversion: '' }),
        name: 'k',
        sshDirectory: dir(),
        rescue: never,
        sleep: async (ms) => void sleeps.push(ms), // the flow's clock: no real wait
      }).catch((e) => e);
      assert.ok(err instanceof CreateAbandonedError && err.server === 'not-created');
      assert.deepEqual(sleeps, [RECHECK_DELAY_MS], 'one wait between the two looks');
      assert.deepEqual(sequence(), [
        'GET /os-keypairs/k 404',
        'POST /os-keypairs 503',
        'GET /os-keypairs/k 404',
        'GET /os-keypairs/k 404',
      ]);
    });

    it('server key, connection reset after the server created it: found and deleted, never resent', async () => {
      ctx.emu.addFault({ method: 'POST', kind: 'reset-mid-body', when: 'after' });
      const err = await createKeyPair({
        generation: 'server',
        compute: compute(ctx.emu.computeUrl, { microversion: '' }),
        name: 'k',
        sshDirectory: dir(),
        rescue: never,
      }).catch((e) => e);
      assert.ok(err instanceof CreateAbandonedError && err.server === 'deleted');
      assert.deepEqual(
        sequence().map((s) => s.replace(/ \d+$/, '')),
        ['GET /os-keypairs/k', 'POST /os-keypairs', 'GET /os-keypairs/k', 'DELETE /os-keypairs/k'],
      );
      assert.deepEqual(ctx.emu.keypairs(), []);
    });

    it('server key, 429: definite refusal, no lookup after it, no resend', async () => {
      ctx.emu.addFault({ method: 'POST', status: 429, times: Infinity });
      const err = await createKeyPair({
        generation: 'server',
        compute: compute(ctx.emu.computeUrl, { microversion: '' }),
        name: 'k',
        sshDirectory: dir(),
        rescue: never,
      }).catch((e) => e);
      assert.ok(err instanceof ApiError && err.kind === 'rate-limited');
      assert.deepEqual(sequence(), ['GET /os-keypairs/k 404', 'POST /os-keypairs 429']);
    });

    it('local key, 503 after the server stored it: the lookup finds our key, success', async () => {
      ctx.emu.addFault({ method: 'POST', status: 503, when: 'after' });
      const r = await createKeyPair({
        compute: compute(ctx.emu.computeUrl, { microversion: '2.92' }),
        name: 'k',
        sshDirectory: dir(),
        rescue: never,
      });
      assert.equal(r.fingerprint, must(ctx.emu.keypairs()[0], 'the pair on the server').fingerprint);
      assert.deepEqual(sequence(), ['POST /os-keypairs 503', 'GET /os-keypairs/k 200']);
    });

    it('import, connection reset after the server stored it: the lookup finds the key, success', async () => {
      const key = parsePublicKey(generateEd25519('me').publicKey);
      ctx.emu.addFault({ method: 'POST', kind: 'reset-mid-body', when: 'after' });
      const r = await importKeyPair({
        compute: compute(ctx.emu.computeUrl, { microversion: '2.10' }),
        name: 'imp',
        key,
      });
      assert.equal(r.matches, true);
      assert.deepEqual(
        sequence().map((s) => s.replace(/ \d+$/, '')),
        ['POST /os-keypairs', 'GET /os-keypairs/imp'],
      );
    });

    it('import, 503 before the server acted: the lookup finds nothing, the 503 is reported', async () => {
      const key = parsePublicKey(generateEd25519('me').publicKey);
      ctx.emu.addFault({ method: 'POST', status: 503 });
      const err = await failure(
        importKeyPair({ compute: compute(ctx.emu.computeUrl, { microversion: '2.10' }), name: 'imp', key }),
      );
      assert.equal(err.kind, 'unavailable');
      assert.deepEqual(sequence(), ['POST /os-keypairs 503', 'GET /os-keypairs/imp 404']);
    });

    it('import, a pair of that name holding another key: not taken for ours', async () => {
      const theirs = parsePublicKey(generateEd25519('them').publicKey);
      const mine = parsePublicKey(generateEd25519('me').publicKey);
      const c = compute(ctx.emu.computeUrl, { microversion: '2.10' });
      await importKeyPair({ compute: c, name: 'imp', key: theirs });
      ctx.emu.addFault({ method: 'POST', status: 500 });
      const err = await failure(importKeyPair({ compute: c, name: 'imp', key: mine }));
      assert.equal(err.kind, 'server-error');
    });
  });
});
