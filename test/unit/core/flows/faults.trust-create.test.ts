// Trust cases of the create flow (issue 10, items 2, 4, 5 and 8): a create whose answer is
// unclear must never delete a pair it cannot prove to be its own; a private key that does not
// belong to its public key, or a public key with a second line, is never saved as the pair; a
// local key is never deleted while its pair may still land on the server. Each case checks what
// the user reads (describeError), the files on disk and the server's state. Real HTTP to the
// emulator on 127.0.0.1, real files in temp folders, OpenSSH as ground truth; no wall-clock
// waits: the flow's re-check delays go through an injected sleep.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError } from '../../../../src/core/api/errors';
import { describeError } from '../../../../src/core/wording/errorText';
import { createKeyPair, CreateAbandonedError, CreateKeyPairOptions } from '../../../../src/core/flows/createKeyPair';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import type { Emulator, EmulatorOptions, Fault } from '../../../emulator/server';
import {
  compute,
  keyData,
  mode,
  rejection,
  sshPublicFromPrivate,
  tempDir,
  testHttp,
  useEmulator,
} from '../../helpers/env';
import { must } from '../../../support/must';

/** The ways an answer gets lost: a gateway's 502, a reset, a timeout, the user's Cancel. */
type Loss = '502' | 'reset' | 'timeout' | 'cancel';
const LOSSES: Loss[] = ['502', 'reset', 'timeout', 'cancel'];
const lossFault = (loss: Loss): Partial<Fault> =>
  loss === '502'
    ? { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }
    : loss === 'reset'
      ? { kind: 'reset-before-headers' }
      : { kind: 'stall-before-headers' };

type Ctx = { readonly emu: Emulator };

function suite(title: string, options: EmulatorOptions, body: (ctx: Ctx) => void) {
  describe(title, function () {
    this.timeout(20_000);
    body(useEmulator({ maxMicroversion: '2.93', ...options }));
  });
}

/** Everything a case needs: its folder, the flow's runner, what the user reads. */
function bench(ctx: Ctx) {
  let root: string;
  let n = 0;
  before(() => (root = tempDir('skp-trust-')));
  const state = {
    dir: '',
    /** Delays the flow asked to wait, in order. */
    sleeps: [] as number[],
  };
  beforeEach(() => {
    state.dir = path.join(root, `case-${++n}`);
    state.sleeps = [];
  });
  const host = () => new URL(ctx.emu.url).host;
  const files = () => (fs.existsSync(state.dir) ? fs.readdirSync(state.dir).sort() : []);
  const pairs = () => ctx.emu.keypairs().map((k) => ({ name: k.name, fingerprint: k.fingerprint }));
  /** The flow's sleep: time passes at once, and a commit the server had pending lands now. */
  const sleep = async (ms: number) => {
    state.sleeps.push(ms);
    ctx.emu.runLateCommits();
  };

  /** Runs a create of `name` ('' = server-generated key, '2.92' = local key) with `loss`'s timeout/cancel wiring. */
  async function create(name: string, microversion: '' | '2.92', loss?: Loss): Promise<unknown> {
    const abort = new AbortController();
    const http = testHttp({ retries: 0, headersTimeoutMs: loss === 'timeout' ? 300 : 5000, bodyTimeoutMs: 5000 });
    const c = compute(ctx.emu.computeUrl, { microversion, http });
    if (loss === 'cancel') {
      // Cancel once the POST has reached the server (an event, not a timer).
      const poll = () => (ctx.emu.requests.some((r) => r.method === 'POST') ? abort.abort() : setImmediate(poll));
      setImmediate(poll);
    }
    const options: CreateKeyPairOptions = {
      compute: c,
      name,
      sshDirectory: state.dir,
      // '' asks for the server-generated key (the setting's "server"); at 2.92 it is always local.
      generation: microversion === '' ? 'server' : 'local',
      rescue: async () => undefined,
      signal: abort.signal,
      sleep,
    };
    return createKeyPair(options);
  }
  const message = (err: unknown) => describeError(err).message;
  return { state, host, files, pairs, create, message };
}

suite("trust: another client's key pair survives an unclear create (#10.2)", {}, (ctx) => {
  const b = bench(ctx);

  for (const loss of LOSSES) {
    it(`server key, another client's pair from before (${loss}): left alone, the user told what to check`, async () => {
      ctx.emu.seed(1, { prefix: 'shared-' });
      const theirs = must(b.pairs()[0], 'their pair');
      ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, ...lossFault(loss) });
      const err = await rejection(b.create(theirs.name, '', loss), CreateAbandonedError);
      assert.deepEqual(b.pairs(), [theirs], 'the other pair is still there');
      assert.equal(ctx.emu.requests.filter((r) => r.method === 'DELETE').length, 0, 'no DELETE sent');
      const text = b.message(err);
      assert.ok(text.includes(`"${theirs.name}"`), text);
      assert.ok(text.includes(b.host()), `names where: ${text}`);
      assert.ok(text.includes(theirs.fingerprint), `names the fingerprint seen: ${text}`);
      assert.match(text, /left alone/);
      assert.deepEqual(b.files(), []);
    });

    it(`local key, another client creates the name while our POST is in flight (${loss})`, async () => {
      ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, otherClient: {}, ...lossFault(loss) });
      const err = await rejection(b.create('laptop', '2.92', loss), CreateAbandonedError);
      const theirs = must(b.pairs()[0], 'their pair');
      assert.equal(theirs.name, 'laptop');
      assert.equal(ctx.emu.requests.filter((r) => r.method === 'DELETE').length, 0, 'no DELETE sent');
      assert.equal(err.server, 'not-created');
      const text = b.message(err);
      assert.ok(text.includes(theirs.fingerprint) && text.includes(b.host()), text);
      assert.match(text, /left alone/);
      // Ours cannot be on the server (the name is taken by another key): its files are gone.
      assert.deepEqual(b.files(), []);
    });
  }
});

suite('trust: when nothing proves the pair ours, it is kept (#10.2, #10.8)', {}, (ctx) => {
  const b = bench(ctx);

  it('server key: the look before the POST failed and the answer was lost: the pair found is left alone', async () => {
    ctx.emu.addFault({ method: 'GET', path: '/os-keypairs/web', status: 503 });
    ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, status: 502, when: 'after' });
    const err = await rejection(b.create('web', ''), CreateAbandonedError);
    const [pair] = b.pairs();
    assert.equal(pair?.name, 'web', 'not deleted');
    assert.equal(err.server, 'kept');
    assert.equal(err.leftAlone?.why, 'unproven');
    assert.equal(
      b.message(err),
      `It is not known whether key pair "web" was created. ${b.host()} failed to handle the request (502): ` +
        `Bad Gateway Try again later. A key pair "web" (fingerprint ${pair.fingerprint}) is on ${b.host()}, ` +
        'but it cannot be told whether it is the one made here, so it was left alone. ' +
        'If nobody else made it, delete it: its private key never arrived.',
    );
  });

  it('local key: when it cannot be looked up, the key files are kept and the message says where', async () => {
    ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, status: 502, when: 'after' });
    ctx.emu.addFault({ method: 'GET', path: '/os-keypairs/unsure', status: 503, times: Infinity });
    const err = await rejection(b.create('unsure', '2.92'), CreateAbandonedError);
    assert.equal(err.server, 'unknown');
    assert.deepEqual(b.files(), ['unsure', 'unsure.pub']);
    assert.ok(b.message(err).includes(`Its key files are kept (${path.join(b.state.dir, 'unsure')})`), b.message(err));
  });
});

suite('trust: the emulator hooks over its control API', {}, (ctx) => {
  it('otherClient and commitAfterMs faults, and run-late-commits', async () => {
    const control = (route: string, body?: unknown) =>
      fetch(`${ctx.emu.url}/_emulator/${route}`, { method: 'POST', body: JSON.stringify(body ?? {}) });
    const other = { otherClient: { name: 'theirs' }, commitAfterMs: 60_000 };
    const fault = { method: 'POST', pathRegex: '/os-keypairs$', status: 502, ...other };
    assert.equal((await control('faults', fault)).status, 201);
    assert.equal((await control('faults', { ...fault, commitAfterMs: 'soon' })).status, 400);
    const c = compute(ctx.emu.computeUrl, { microversion: '2.10', http: testHttp({ retries: 0 }) });
    const err = await c.create('ours', { publicKey: generateEd25519('ours').publicKey }).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError && err.status === 502);
    assert.deepEqual(
      ctx.emu.keypairs().map((k) => k.name),
      ['theirs'],
      'the other pair is made; ours pending',
    );
    assert.deepEqual(await (await control('run-late-commits')).json(), { ok: true, ran: 1 });
    assert.deepEqual(
      ctx.emu.keypairs().map((k) => k.name),
      ['ours', 'theirs'],
    );
  });
});

suite('trust: a server whose database ignores case (#10.2)', { caseInsensitiveNames: true }, (ctx) => {
  const b = bench(ctx);

  it('the emulator option: GET MyKey finds mykey, POST MyKey conflicts', async () => {
    const c = compute(ctx.emu.computeUrl, { microversion: '2.10' });
    await c.create('mykey', { publicKey: generateEd25519('other').publicKey });
    assert.equal((await c.get('MyKey'))?.name, 'mykey');
    const err = await c.create('MyKey').catch((e: unknown) => e);
    assert.ok(err instanceof ApiError && err.kind === 'conflict');
  });

  for (const loss of LOSSES) {
    it(`server key MyKey, another client creates mykey while our POST is in flight (${loss})`, async () => {
      const otherClient = { name: 'mykey' };
      ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, otherClient, ...lossFault(loss) });
      const err = await rejection(b.create('MyKey', '', loss), CreateAbandonedError);
      const theirs = must(b.pairs()[0], 'their pair');
      assert.equal(theirs?.name, 'mykey', 'the other pair is still there');
      assert.equal(ctx.emu.requests.filter((r) => r.method === 'DELETE').length, 0, 'no DELETE sent');
      const text = b.message(err);
      assert.ok(text.includes('"mykey"') && text.includes(theirs.fingerprint) && text.includes(b.host()), text);
      assert.match(text, /differs only in case/);
      assert.deepEqual(b.files(), []);
    });
  }

  it('server key MyKey when mykey existed before, answer lost: mykey is left alone', async () => {
    ctx.emu.seed(1, { prefix: 'mykey-' });
    const theirs = must(b.pairs()[0], 'their pair');
    ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, status: 502 });
    const err = await rejection(b.create(theirs.name.toUpperCase(), ''), CreateAbandonedError);
    assert.deepEqual(b.pairs(), [theirs]);
    assert.ok(b.message(err).includes(theirs.fingerprint), b.message(err));
  });
});

suite('trust: the keys in the answer must belong together (#10.4, #10.5)', {}, (ctx) => {
  const b = bench(ctx);

  const cases: Array<{ kind: Fault['kind']; says: RegExp }> = [
    { kind: 'foreign-private-key', says: /private key that does not belong to (its|the) public key/ },
    { kind: 'garbage-private-key', says: /not a private key/ },
    { kind: 'two-line-public-key', says: /public key .*(several lines|more than one line)/ },
  ];
  for (const { kind, says } of cases) {
    it(`${kind}: nothing is saved, the pair (ours) is deleted, the user is told`, async () => {
      ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, kind, when: 'after' });
      const err = await rejection(b.create('web', ''), CreateAbandonedError);
      assert.deepEqual(b.files(), [], 'nothing written');
      assert.deepEqual(b.pairs(), [], 'the pair is deleted on the server');
      assert.equal(err.server, 'deleted');
      assert.equal(err.unsavedPrivateKey, undefined, 'a bad key is not offered for copying');
      const text = b.message(err);
      assert.match(text, says);
      assert.match(text, /deleted from the server/);
      assert.doesNotMatch(text, /PRIVATE KEY|<html>|ProxyCommand/);
    });
  }

  it('a public key whose data carries a Markdown link: refused, and the link is not repeated to the user', async () => {
    const field = (text: string) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(Buffer.byteLength(text));
      return Buffer.concat([len, Buffer.from(text)]);
    };
    const blob = Buffer.concat([field('[Fix it](command:workbench.action.terminal.new)'), field('x')]);
    const publicKey = `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`;
    const keypair = { name: 'web', public_key: publicKey, fingerprint: '00:11', private_key: 'x' };
    const body = JSON.stringify({ keypair });
    ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, status: 200, body, when: 'after' });
    const err = await rejection(b.create('web', ''), CreateAbandonedError);
    assert.deepEqual(b.files(), []);
    assert.deepEqual(b.pairs(), [], 'ours: deleted again');
    assert.doesNotMatch(b.message(err), /command:|\[Fix/);
    assert.match(b.message(err), /not one OpenSSH public key line/);
  });

  it('a good answer is still saved, and OpenSSH agrees the two files belong together', async () => {
    const r = (await b.create('good', '')) as { privatePath: string; publicPath: string };
    assert.equal(mode(r.privatePath), 0o600);
    assert.equal(keyData(sshPublicFromPrivate(r.privatePath)), keyData(fs.readFileSync(r.publicPath, 'utf8')));
    assert.equal(fs.readFileSync(r.publicPath, 'utf8').split('\n').length, 2, 'one line and its newline');
  });
});

suite('trust: a local key is kept while its pair may still land (#10.8, #11 injected clock)', {}, (ctx) => {
  const b = bench(ctx);

  for (const loss of ['502', 'reset'] as const) {
    it(`the server commits the pair after answering ${loss}: the key files are kept, the create succeeds`, async () => {
      ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, ...lossFault(loss), commitAfterMs: 1500 });
      let outcome: unknown;
      try {
        outcome = await b.create('late', '2.92', loss);
      } catch (err) {
        outcome = err;
      }
      ctx.emu.runLateCommits(); // whatever was still pending lands now
      const [pair] = ctx.emu.keypairs();
      assert.ok(pair, 'the pair landed on the server');
      assert.deepEqual(b.files(), ['late', 'late.pub'], `its key files are kept (${b.message(outcome)})`);
      assert.equal(keyData(sshPublicFromPrivate(path.join(b.state.dir, 'late'))), keyData(pair.public_key));
      assert.ok(!(outcome instanceof Error), `the create succeeded: ${b.message(outcome)}`);
    });
  }

  it('looks as often as the server-key path, through the injected sleep (no real wait)', async () => {
    for (const microversion of ['', '2.92'] as const) {
      ctx.emu.reset();
      b.state.sleeps = [];
      ctx.emu.addFault({ method: 'POST', path: /\/os-keypairs$/, status: 502 });
      const started = Date.now();
      const name = `nothing${microversion ? '-local' : ''}`;
      const err = await rejection(b.create(name, microversion), CreateAbandonedError);
      assert.equal(err.server, 'not-created');
      assert.deepEqual(b.state.sleeps, [1500], `${microversion || 'server'}: one re-check after the production delay`);
      assert.ok(Date.now() - started < 1000, 'no real wait');
      const looks = ctx.emu.requests.filter((r) => r.method === 'GET' && /\/os-keypairs\/nothing/.test(r.path));
      assert.ok(looks.length >= 2, `${microversion || 'server'}: looked ${looks.length} times`);
    }
  });
});
