import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError } from '../../../../src/core/api/errors';
import {
  createKeyPair,
  CreateAbandonedError,
  CreateKeyPairOptions,
  RECHECK_DELAY_MS,
} from '../../../../src/core/flows/createKeyPair';
import { KeyFileError } from '../../../../src/core/keys/keyFiles';
import {
  compute,
  filesIn,
  keyData,
  mode,
  newSshDirEachTest,
  rejection,
  sshMd5,
  sshPublicFromPrivate,
  testHttp,
  useEmulator,
} from '../../helpers/env';
import { must } from '../../../support/must';

describe('create flow (emulator + real files)', () => {
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  let dir: string;
  newSshDirEachTest((d) => (dir = d));

  const never: CreateKeyPairOptions['rescue'] = async () => undefined;
  const files = (d = dir) => filesIn(d);
  const serverNames = () => ctx.emu.keypairs().map((k) => k.name);

  /** A client that runs `fn` right after the server answered a create (to break the folder then). */
  function afterCreate(fn: () => void) {
    const c = compute(ctx.emu.computeUrl, { microversion: '' });
    const original = c.create.bind(c);
    c.create = async (...args) => {
      const res = await original(...args);
      fn();
      return res;
    };
    return c;
  }
  /** Replaces the SSH folder by a plain file once the server has created the pair. */
  const folderBecomesFile = () => afterCreate(() => fs.writeFileSync(dir, 'a file, not a folder'));

  const abandoned = (p: Promise<unknown>) => rejection(p, CreateAbandonedError);
  /** The waits the flow asked for between its looks, ms. */
  let sleeps: number[] = [];
  beforeEach(() => (sleeps = []));
  /** The flow's clock: the wait is recorded and time passes at once, for the emulator too. */
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    await ctx.emu.idle();
  };

  describe('server-generated key (legacy API)', () => {
    const client = () => compute(ctx.emu.computeUrl, { microversion: '' });

    it('saves the private key 0600 and the public key 0644 that OpenSSH agrees with', async () => {
      const old = process.umask(0);
      let result;
      try {
        result = await createKeyPair({
          generation: 'server',
          compute: client(),
          name: 'web server',
          sshDirectory: dir,
          rescue: never,
        });
      } finally {
        process.umask(old);
      }
      assert.equal(result.privatePath, path.join(dir, 'web_server'));
      assert.equal(result.publicPath, path.join(dir, 'web_server.pub'));
      assert.equal(mode(dir), 0o700, 'created folder is 0700');
      assert.equal(mode(result.privatePath), 0o600);
      assert.equal(mode(result.publicPath), 0o644);
      const pub = fs.readFileSync(result.publicPath, 'utf8');
      assert.ok(pub.endsWith('Generated-by-Nova\n'), 'one trailing newline');
      assert.equal(keyData(sshPublicFromPrivate(result.privatePath)), keyData(pub));
      assert.equal(sshMd5(result.publicPath), result.fingerprint);
      assert.equal(result.fingerprintMismatch, undefined);
      assert.equal(result.generation, 'server');
      assert.deepEqual(serverNames(), ['web server']);
    });

    it('sends nothing when a key file already exists', async () => {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'taken.pub'), 'mine\n');
      await assert.rejects(
        createKeyPair({ generation: 'server', compute: client(), name: 'taken', sshDirectory: dir, rescue: never }),
        (e: unknown) => {
          assert.ok(e instanceof KeyFileError && e.code === 'exists');
          return true;
        },
      );
      assert.equal(ctx.emu.requests.filter((r) => r.method === 'POST').length, 0);
      assert.equal(fs.readFileSync(path.join(dir, 'taken.pub'), 'utf8'), 'mine\n');
      assert.deepEqual(files(), ['taken.pub']);
    });

    it('a 409 changes nothing and is an ApiError conflict', async () => {
      await client().create('dup');
      const err = await createKeyPair({
        generation: 'server',
        compute: client(),
        name: 'dup',
        sshDirectory: dir,
        rescue: never,
      }).catch((e) => e);
      assert.ok(err instanceof ApiError && err.kind === 'conflict');
      assert.deepEqual(files(), []);
    });

    it('reports a fingerprint that does not match the public key', async () => {
      ctx.emu.addFault({ method: 'POST', when: 'after', kind: 'wrong-fingerprint' });
      const r = await createKeyPair({
        generation: 'server',
        compute: client(),
        name: 'fp',
        sshDirectory: dir,
        rescue: never,
      });
      assert.ok(r.fingerprintMismatch);
      assert.equal(r.fingerprintMismatch.server, r.fingerprint);
      assert.equal(r.fingerprintMismatch.computed, sshMd5(r.publicPath!));
      assert.notEqual(r.fingerprintMismatch.server, r.fingerprintMismatch.computed);
    });

    it('deletes the pair when the answer lost its private key', async () => {
      ctx.emu.addFault({ method: 'POST', when: 'after', kind: 'missing-field', field: 'private_key' });
      const err = await abandoned(
        createKeyPair({
          generation: 'server',
          compute: client(),
          name: 'no-private',
          sshDirectory: dir,
          rescue: never,
        }),
      );
      assert.equal(err.server, 'deleted');
      assert.deepEqual(serverNames(), []);
      assert.deepEqual(files(), []);
    });

    it('deletes the pair when the connection broke after the server created it', async () => {
      ctx.emu.addFault({ method: 'POST', when: 'after', kind: 'reset-mid-body' });
      const err = await abandoned(
        createKeyPair({
          generation: 'server',
          compute: client(),
          name: 'reset',
          sshDirectory: dir,
          rescue: never,
          sleep,
        }),
      );
      assert.equal(err.server, 'deleted');
      assert.deepEqual(serverNames(), []);
      assert.deepEqual(files(), []);
    });

    it('says "not created" when a lost answer had not created anything', async () => {
      ctx.emu.addFault({ method: 'POST', kind: 'reset-before-headers' });
      const err = await abandoned(
        createKeyPair({
          generation: 'server',
          compute: client(),
          name: 'ghost',
          sshDirectory: dir,
          rescue: never,
          sleep,
        }),
      );
      assert.equal(err.server, 'not-created');
      assert.deepEqual(serverNames(), []);
      assert.deepEqual(sleeps, [RECHECK_DELAY_MS], 'looked twice, one wait between');
    });

    it('a cancel in flight leaves no pair on the server', async () => {
      ctx.emu.addFault({ method: 'POST', when: 'after', kind: 'stall-before-headers' });
      const abort = new AbortController();
      // Cancel once the server has the POST and has acted on it (an event, not a timer).
      const poll = () =>
        ctx.emu.requests.some((r) => r.method === 'POST')
          ? void ctx.emu.idle().then(() => abort.abort())
          : void setImmediate(poll);
      setImmediate(poll);
      const err = await abandoned(
        createKeyPair({
          generation: 'server',
          compute: client(),
          name: 'cancelled',
          sshDirectory: dir,
          rescue: never,
          signal: abort.signal,
          sleep,
        }),
      );
      assert.ok(err.reason instanceof ApiError && err.reason.kind === 'cancelled');
      assert.equal(err.server, 'deleted');
      assert.deepEqual(serverNames(), []);
      assert.deepEqual(files(), []);
    });

    it('a timeout in flight leaves no pair on the server', async () => {
      ctx.emu.addFault({ method: 'POST', when: 'after', kind: 'stall-before-headers' });
      const c = compute(ctx.emu.computeUrl, { microversion: '', http: testHttp({ headersTimeoutMs: 300 }) });
      const err = await abandoned(
        createKeyPair({ generation: 'server', compute: c, name: 'slow', sshDirectory: dir, rescue: never, sleep }),
      );
      assert.ok(err.reason instanceof ApiError && err.reason.kind === 'timeout');
      assert.equal(err.server, 'deleted');
      assert.deepEqual(serverNames(), []);
    });

    it('refuses an SSH folder that is a file before anything is sent', async () => {
      fs.writeFileSync(dir, 'a file, not a folder');
      const err = await createKeyPair({
        generation: 'server',
        compute: client(),
        name: 'early',
        sshDirectory: dir,
        rescue: never,
      }).catch((e) => e);
      assert.ok(err instanceof KeyFileError && err.code === 'not-directory');
      assert.equal(ctx.emu.requests.filter((r) => r.method === 'POST').length, 0);
    });

    it('offers to save elsewhere when the folder cannot be written, and keeps the pair if saved', async () => {
      const elsewhere = path.join(path.dirname(dir), `rescued-${path.basename(dir)}`);
      fs.mkdirSync(elsewhere);
      let problem: KeyFileError | undefined;
      const r = await createKeyPair({
        generation: 'server',
        compute: folderBecomesFile(),
        name: 'rescued',
        sshDirectory: dir,
        rescue: async (p, key) => {
          problem = p;
          const privatePath = path.join(elsewhere, key.fileBase);
          fs.writeFileSync(privatePath, key.privateKey, { mode: 0o600 });
          return { privatePath };
        },
      });
      assert.equal(problem?.code, 'not-directory');
      assert.equal(r.rescued, true);
      assert.deepEqual(serverNames(), ['rescued']);
      assert.equal(keyData(sshPublicFromPrivate(r.privatePath)), keyData(r.publicKey));
    });

    it('deletes the pair when the user declines to save elsewhere', async () => {
      let asked = 0;
      const err = await abandoned(
        createKeyPair({
          generation: 'server',
          compute: folderBecomesFile(),
          name: 'declined',
          sshDirectory: dir,
          rescue: async () => (asked++, undefined),
        }),
      );
      assert.equal(asked, 1);
      assert.equal(err.server, 'deleted');
      assert.ok(err.reason instanceof KeyFileError);
      assert.equal(err.unsavedPrivateKey, undefined);
      assert.deepEqual(serverNames(), []);
      assert.equal(fs.readFileSync(dir, 'utf8'), 'a file, not a folder');
    });

    it('deletes the pair when the key file appears between check and save', async () => {
      const c = afterCreate(() => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'race'), 'someone else');
      });
      const err = await abandoned(
        createKeyPair({ generation: 'server', compute: c, name: 'race', sshDirectory: dir, rescue: never }),
      );
      assert.equal(err.server, 'deleted');
      assert.ok(err.reason instanceof KeyFileError && err.reason.code === 'exists');
      assert.deepEqual(files(), ['race'], 'nothing half-written, the other file untouched');
      assert.equal(fs.readFileSync(path.join(dir, 'race'), 'utf8'), 'someone else');
    });

    it('keeps the private key in memory when the pair can be neither saved nor deleted', async () => {
      ctx.emu.addFault({ method: 'DELETE', status: 503, times: Infinity });
      const err = await abandoned(
        createKeyPair({
          generation: 'server',
          compute: folderBecomesFile(),
          name: 'stuck',
          sshDirectory: dir,
          rescue: never,
        }),
      );
      assert.equal(err.server, 'unknown');
      assert.match(err.unsavedPrivateKey ?? '', /BEGIN RSA PRIVATE KEY/);
      assert.ok(!JSON.stringify(err).includes('PRIVATE'), 'not serialised');
      assert.ok(!err.message.includes('PRIVATE'), 'not in the message');
    });
  });

  describe('local ed25519 key (2.92+, or by choice)', () => {
    it('at 2.92 generates locally, sends only the public key, OpenSSH agrees', async () => {
      const c = compute(ctx.emu.computeUrl);
      const r = await createKeyPair({ compute: c, name: 'local.key@host', sshDirectory: dir, rescue: never });
      assert.equal(r.generation, 'local');
      assert.equal(mode(r.privatePath), 0o600);
      assert.equal(keyData(sshPublicFromPrivate(r.privatePath)), keyData(fs.readFileSync(r.publicPath!, 'utf8')));
      assert.equal(sshMd5(r.publicPath!), r.fingerprint);
      const post = ctx.emu.requests.find((q) => q.method === 'POST')!;
      assert.ok(!post.body.includes('PRIVATE'), 'private key never sent');
      assert.equal(JSON.parse(post.body).keypair.public_key, r.publicKey);
    });

    it('by choice on an older API', async () => {
      const c = compute(ctx.emu.computeUrl, { microversion: '2.10' });
      const r = await createKeyPair({
        compute: c,
        name: 'chosen',
        sshDirectory: dir,
        generation: 'local',
        rescue: never,
      });
      assert.equal(r.generation, 'local');
      assert.match(r.publicKey, /^ssh-ed25519 /);
      assert.equal(must(ctx.emu.keypairs()[0], 'the pair on the server').fingerprint, r.fingerprint);
    });

    it('removes its key files when the server refuses', async () => {
      ctx.emu.setOptions({ quota: 0 });
      const c = compute(ctx.emu.computeUrl);
      const err = await createKeyPair({ compute: c, name: 'over', sshDirectory: dir, rescue: never }).catch((e) => e);
      assert.ok(err instanceof ApiError && err.kind === 'quota');
      assert.deepEqual(files(), []);
    });

    it('succeeds when the answer was lost but the server holds our key', async () => {
      ctx.emu.addFault({ method: 'POST', when: 'after', kind: 'reset-mid-body' });
      const c = compute(ctx.emu.computeUrl);
      const r = await createKeyPair({ compute: c, name: 'arrived', sshDirectory: dir, rescue: never });
      assert.equal(r.fingerprint, must(ctx.emu.keypairs()[0], 'the pair on the server').fingerprint);
      assert.deepEqual(files(), ['arrived', 'arrived.pub']);
    });

    it('keeps the key files when it cannot be told whether the pair exists', async () => {
      ctx.emu.addFault({ method: 'POST', when: 'after', kind: 'reset-mid-body' });
      ctx.emu.addFault({ method: 'GET', path: '/os-keypairs/', status: 503, times: Infinity });
      const c = compute(ctx.emu.computeUrl, { http: testHttp({ retries: 0 }) });
      const err = await abandoned(createKeyPair({ compute: c, name: 'unsure', sshDirectory: dir, rescue: never }));
      assert.equal(err.server, 'unknown');
      assert.deepEqual(files(), ['unsure', 'unsure.pub']);
      assert.deepEqual(serverNames(), ['unsure']);
    });
  });
});
