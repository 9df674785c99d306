// The fault matrix: every path a user can take (create with a server-generated or a local
// key, import, list, delete, sign-in with Rackspace or Keystone) against every fault the
// API documents or a network produces. Each case asserts the three things a user would
// find afterwards: (a) the message shown (describeError, exactly as the shell words it),
// (b) the files on disk (directory listed: no half-written or temp file; every private key
// complete, 0600, matching its .pub), (c) the server's state (no key pair whose private key
// was not saved). Real HTTP to the emulator on 127.0.0.1, real files in temp folders.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ComputeClient, TokenSource } from '../../../../src/core/api/compute';
import { ApiError } from '../../../../src/core/api/errors';
import { HttpClient } from '../../../../src/core/api/http';
import { authenticate, Credentials } from '../../../../src/core/api/identity';
import { TokenManager } from '../../../../src/core/api/tokenManager';
import { describeError } from '../../../../src/core/wording/errorText';
import {
  createKeyPair,
  CreateAbandonedError,
  CreateKeyPairOptions,
  CreateKeyPairResult,
  RECHECK_DELAY_MS,
} from '../../../../src/core/flows/createKeyPair';
import { importKeyPair, ImportResult, loadPublicKey } from '../../../../src/core/flows/importKeyPair';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { saveKeyPair } from '../../../../src/core/keys/keyFiles';
import type { Fault } from '../../../emulator/server';
import {
  fixedToken,
  keyData,
  mode,
  sshPublicFromPrivate,
  tempDir,
  testHttp,
  TOKEN,
  useEmulator,
} from '../../helpers/env';
import { exactly } from '../../../support/must';

type PathId =
  'create-server' | 'create-local' | 'import' | 'list' | 'delete' | 'sign-in-rackspace' | 'sign-in-keystone';
const ALL_PATHS: PathId[] = [
  'create-server',
  'create-local',
  'import',
  'list',
  'delete',
  'sign-in-rackspace',
  'sign-in-keystone',
];
const KEYPAIR_PATHS: PathId[] = ['create-server', 'create-local', 'import', 'list'];
const CREATE_PATHS: PathId[] = ['create-server', 'create-local'];

const NAME = 'key';
const IMPORTED = 'laptop';
const USER_KEY = 'id_ed25519';
const SEEDS = ['seed-00001', 'seed-00002'];
const VICTIM = 'victim-00001';
const HTML_404 = '<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>';
const NOVA_500 =
  'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.';

/** Everything one case runs with: its own folder, client, endpoints and cancel signal. */
interface Bed {
  /** The SSH folder handed to the flow. */
  dir: string;
  /** The folder whose listing is checked (the real folder behind a symlink). */
  listDir: string;
  http: HttpClient & { lines: string[] };
  endpoint: string;
  identityUrl: string;
  keystoneUrl: string;
  auth: TokenSource;
  signal?: AbortSignal;
  /** host:port as messages show it. */
  h: string;
  /** Runs right after the server answered a create (to break the folder then). */
  afterCreate?: () => void;
  /** Runs when the flow asks for the API version, i.e. after its checks and before saving. */
  afterChecks?: () => void;
  rescue: CreateKeyPairOptions['rescue'];
  /** The waits the create flow asked for between its looks, ms (none is waited out). */
  sleeps: number[];
}

type Outcome =
  | { ok: true; server?: string[]; files?: string[]; check?: (result: unknown, b: Bed) => void }
  | { error: string; server?: string[]; files?: string[]; check?: (err: unknown, b: Bed) => void };

interface PathDef {
  /** Where its faults go. */
  fault: Pick<Fault, 'method' | 'path'>;
  prepare?(b: Bed): Promise<void> | void;
  run(b: Bed): Promise<unknown>;
  /** Server pairs that exist before the case (they have no private key here). */
  preexisting: string[];
  ok: { server: string[]; files: string[] };
  failed: { server: string[]; files: string[] };
}

describe('fault matrix: message, files, server state', function () {
  this.timeout(20_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  let root: string;
  let n = 0;
  let cleanups: Array<() => void | Promise<void>> = [];
  /** Key pairs found on the server without their private key saved, over the whole matrix. */
  let lostKeys = 0;
  before(() => (root = tempDir('skp-faults-')));
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });
  after(() => assert.equal(lostKeys, 0, 'lost keys'));

  const never: CreateKeyPairOptions['rescue'] = async () => undefined;

  function bed(over: Partial<Bed> = {}): Bed {
    const caseDir = path.join(root, `case-${++n}`);
    fs.mkdirSync(caseDir);
    const dir = path.join(caseDir, 'ssh');
    return {
      dir,
      listDir: dir,
      // Generous: the emulator generates RSA keys for real. The stall rows shorten them.
      http: testHttp({ headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000, connectTimeoutMs: 300 }),
      endpoint: ctx.emu.computeUrl,
      identityUrl: ctx.emu.identityUrl,
      keystoneUrl: ctx.emu.keystoneUrl,
      auth: fixedToken(),
      h: new URL(ctx.emu.url).host,
      rescue: never,
      sleeps: [],
      ...over,
    };
  }

  function client(b: Bed, microversion: string): ComputeClient {
    const c = new ComputeClient({ endpoint: b.endpoint, http: b.http, auth: b.auth, microversion });
    const create = c.create.bind(c);
    c.create = async (...args) => {
      const r = await create(...args);
      b.afterCreate?.();
      return r;
    };
    const version = c.version.bind(c);
    c.version = async (...args) => {
      const v = await version(...args);
      b.afterChecks?.();
      return v;
    };
    return c;
  }

  const rackspace = (b: Bed): Credentials => ({
    provider: 'rackspace',
    identityUrl: b.identityUrl,
    username: 'demo',
    apiKey: 'demo-api-key',
  });
  const keystone = (b: Bed): Credentials => ({
    provider: 'keystone',
    authUrl: b.keystoneUrl,
    username: 'demo',
    password: 'demo-password',
    userDomain: 'Default',
    project: '123456',
    projectDomain: 'Default',
  });

  const create = (microversion: string) => (b: Bed) =>
    createKeyPair({
      compute: client(b, microversion),
      name: NAME,
      sshDirectory: b.dir,
      // No microversion: the server generates the key (the setting's "server"); 2.92: always here.
      generation: microversion === '' ? 'server' : 'local',
      rescue: b.rescue,
      signal: b.signal,
      // The flow's clock: the wait is recorded, and time passes at once, for the server too: what
      // it was doing (a create still generating its key when the answer was lost) is done.
      sleep: async (ms) => {
        b.sleeps.push(ms);
        await ctx.emu.idle();
      },
    });
  const createdFiles = { server: [NAME], files: [NAME, `${NAME}.pub`] };
  const nothing = { server: [], files: [] };

  const PATHS: Record<PathId, PathDef> = {
    'create-server': {
      fault: { method: 'POST', path: /\/os-keypairs$/ },
      run: create(''), // no microversion: the server generates the key
      preexisting: [],
      ok: createdFiles,
      failed: nothing,
    },
    'create-local': {
      fault: { method: 'POST', path: /\/os-keypairs$/ },
      run: create('2.92'), // 2.92: the key is generated here
      preexisting: [],
      ok: createdFiles,
      failed: nothing,
    },
    import: {
      fault: { method: 'POST', path: /\/os-keypairs$/ },
      prepare: async (b) => {
        const k = generateEd25519('me@laptop');
        await saveKeyPair({ dir: b.dir, fileBase: USER_KEY, privateKey: k.privateKey, publicKey: k.publicKey });
      },
      run: async (b) =>
        importKeyPair({
          compute: client(b, '2.10'),
          name: IMPORTED,
          key: await loadPublicKey(path.join(b.dir, `${USER_KEY}.pub`)),
          signal: b.signal,
        }),
      preexisting: [],
      ok: { server: [IMPORTED], files: [USER_KEY, `${USER_KEY}.pub`] },
      failed: { server: [], files: [USER_KEY, `${USER_KEY}.pub`] },
    },
    list: {
      fault: { method: 'GET', path: /\/os-keypairs$/ },
      prepare: () => void ctx.emu.seed(SEEDS.length),
      run: (b) => client(b, '').listAll({ signal: b.signal }),
      preexisting: SEEDS,
      ok: { server: SEEDS, files: [] },
      failed: { server: SEEDS, files: [] },
    },
    delete: {
      fault: { method: 'DELETE', path: /\/os-keypairs\/victim-00001$/ },
      prepare: () => void ctx.emu.seed(1, { prefix: 'victim-' }),
      run: (b) => client(b, '').delete(VICTIM, b.signal),
      preexisting: [VICTIM],
      ok: { server: [], files: [] },
      failed: { server: [VICTIM], files: [] },
    },
    'sign-in-rackspace': {
      fault: { method: 'POST', path: /\/v2\.0\/tokens$/ },
      run: (b) => authenticate(b.http, rackspace(b), b.signal),
      preexisting: [],
      ok: nothing,
      failed: nothing,
    },
    'sign-in-keystone': {
      fault: { method: 'POST', path: /\/v3\/auth\/tokens$/ },
      run: (b) => authenticate(b.http, keystone(b), b.signal),
      preexisting: [],
      ok: nothing,
      failed: nothing,
    },
  };

  // ------------------------------------------------------------------ the three checks

  const listing = (d: string) => (fs.existsSync(d) && fs.statSync(d).isDirectory() ? fs.readdirSync(d).sort() : []);

  /** (a) the message: exactly as expected, and nothing a user must never see. */
  function checkMessage(err: unknown, expected: string): void {
    assert.ok(!(err instanceof assert.AssertionError), String(err));
    const { message } = describeError(err);
    assert.equal(message, expected);
    for (const bad of [
      /undefined/,
      /\bnull\b/,
      /\[object /,
      /NaN/,
      /\n\s+at /,
      /Something went wrong/,
      /PRIVATE KEY/,
    ]) {
      assert.doesNotMatch(message, bad);
    }
    for (const secret of [TOKEN, 'demo-api-key', 'demo-password'])
      assert.ok(!message.includes(secret), 'no secret in the message');
  }

  /** (b) the files: the listing, no temp file, every private key complete (ssh-keygen reads it), 0600, its .pub agrees. */
  function checkFiles(b: Bed, expected: string[]): void {
    const found = listing(b.listDir);
    assert.ok(!found.some((f) => /^\..*\.tmp$/.test(f)), `temp file left: ${found}`);
    assert.deepEqual(found, [...expected].sort(), 'files in the SSH folder');
    for (const f of found) {
      if (f.endsWith('.pub') || !found.includes(`${f}.pub`)) continue;
      const p = path.join(b.listDir, f);
      assert.equal(mode(p), 0o600, `${f} is 0600`);
      assert.equal(
        keyData(sshPublicFromPrivate(p)),
        keyData(fs.readFileSync(`${p}.pub`, 'utf8')),
        `${f} matches ${f}.pub`,
      );
    }
  }

  /** The private key files in `dirs` (public key data → path), as OpenSSH reads them. */
  function savedKeys(dirs: string[]): Map<string, string> {
    const keys = new Map<string, string>();
    for (const d of dirs) {
      for (const f of listing(d)) {
        const p = path.join(d, f);
        if (f.endsWith('.pub') || !fs.statSync(p).isFile()) continue;
        try {
          const pub = execFileSync('ssh-keygen', ['-y', '-f', p], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          });
          keys.set(keyData(pub), p);
        } catch {
          // not a private key (e.g. a file someone else put there, or the filler of a full disk)
        }
      }
    }
    return keys;
  }

  /** (c) the server: the expected names, and every pair made here has its private key saved. */
  function checkServer(b: Bed, p: PathDef, expected: string[], extraDirs: string[] = []): void {
    const pairs = ctx.emu.keypairs();
    assert.deepEqual(pairs.map((k) => k.name).sort(), [...expected].sort(), 'key pairs on the server');
    const saved = savedKeys([b.listDir, ...extraDirs]);
    for (const kp of pairs) {
      if (p.preexisting.includes(kp.name)) continue;
      if (!saved.has(keyData(kp.public_key))) {
        lostKeys++;
        assert.fail(`key pair "${kp.name}" is on the server but its private key was not saved`);
      }
    }
  }

  async function runCase(
    which: PathId | PathDef,
    b: Bed,
    outcome: Outcome,
    arrange?: (b: Bed, p: PathDef) => void | Promise<void>,
  ): Promise<void> {
    const p = typeof which === 'string' ? PATHS[which] : which;
    await p.prepare?.(b);
    await arrange?.(b, p);
    let result: unknown;
    let error: unknown;
    let failed = false;
    try {
      result = await p.run(b);
    } catch (e) {
      failed = true;
      error = e;
    }
    if ('ok' in outcome) {
      if (failed) assert.fail(`expected success, got: ${describeError(error).message} (${String(error)})`);
      outcome.check?.(result, b);
      checkFiles(b, outcome.files ?? p.ok.files);
      checkServer(b, p, outcome.server ?? p.ok.server);
    } else {
      assert.ok(failed, `expected a failure, got ${JSON.stringify(result)?.slice(0, 200)}`);
      checkMessage(error, outcome.error);
      outcome.check?.(error, b);
      checkFiles(b, outcome.files ?? p.failed.files);
      checkServer(b, p, outcome.server ?? p.failed.server);
    }
  }

  const posts = () => ctx.emu.requests.filter((r) => r.method === 'POST' && !r.path.startsWith('/_emulator'));
  const requestsTo = (p: PathDef) =>
    ctx.emu.requests.filter((r) => r.method === p.fault.method && (p.fault.path as RegExp).test(r.path));

  // ------------------------------------------------------------------ statuses the API documents

  interface StatusRow {
    id: string;
    fault: Partial<Fault>;
    /** The ApiError message for a Compute path (`h` = host:port). */
    compute: (b: Bed, pathId: PathId) => string;
    rackspace?: (b: Bed) => string;
    keystone?: (b: Bed) => string;
    /** Ambiguous (5xx): the server may have acted, so a create must look. */
    ambiguous?: boolean;
    /** GET/DELETE are retried on it. */
    retried?: boolean;
    /** Override per path. */
    special?: Partial<Record<PathId, (b: Bed) => Outcome>>;
  }

  const wrongEndpoint = (b: Bed, status: number) =>
    `${b.h} has no Compute key pairs API at this address (${status}). Check the "keypairs.endpoint" setting.`;
  const wrongIdentity = (b: Bed, status: number) =>
    `${b.h} has no identity service at this address (${status}). Check the identity URL you signed in with.`;

  const STATUS_ROWS: StatusRow[] = [
    { id: '400', fault: { status: 400 }, compute: () => 'The server rejected the request: Bad request.' },
    {
      id: '401',
      fault: { status: 401 },
      compute: (b) =>
        `${b.h} rejected the credentials (401): the token may have expired. Sign in again, or set a new API token.`,
      rackspace: () => 'Rackspace did not accept the username or API key.',
      keystone: () =>
        'OpenStack did not accept the sign-in: check the username, password, user domain, project and project domain.',
    },
    {
      id: '403',
      fault: { status: 403 },
      compute: (b) => `Not allowed by ${b.h} (403): Policy does not allow this action.`,
      rackspace: () => 'Rackspace refused the sign-in: this user is disabled.',
    },
    {
      id: '404 (Nova itemNotFound)',
      fault: { status: 404 },
      compute: (b) => wrongEndpoint(b, 404),
      rackspace: (b) => wrongIdentity(b, 404),
      keystone: (b) => wrongIdentity(b, 404),
      special: {
        // Nova's own "no such key pair" for the item deleted: the user is told it was already gone.
        delete: () => ({ ok: true, check: (r) => assert.equal(r, false), server: [VICTIM] }),
      },
    },
    {
      id: '404 (HTML, wrong URL or proxy)',
      fault: { status: 404, body: HTML_404, headers: { 'content-type': 'text/html' } },
      compute: (b) => wrongEndpoint(b, 404),
      rackspace: (b) => wrongIdentity(b, 404),
      keystone: (b) => wrongIdentity(b, 404),
    },
    {
      id: '405',
      fault: { status: 405 },
      compute: (b) => wrongEndpoint(b, 405),
      rackspace: (b) => wrongIdentity(b, 405),
      keystone: (b) => wrongIdentity(b, 405),
    },
    {
      id: '409',
      fault: { status: 409 },
      compute: (b, pathId) =>
        PATHS[pathId].fault.method === 'POST' && !pathId.startsWith('sign-in')
          ? `A key pair with this name already exists on ${b.h} (409). Choose another name.`
          : `${b.h} refused the request because of the current state of what it acts on (409). ` +
            'It said: There was a conflict when trying to complete your request. ' +
            'Wait for that to change, or change it, and try again.',
    },
    {
      id: '413 without Retry-After',
      fault: { status: 413 },
      compute: (b) => `${b.h} is limiting requests (413). Try again later.`,
    },
    {
      id: '413 with Retry-After',
      fault: { status: 413, headers: { 'retry-after': '120' } },
      compute: (b) => `${b.h} is limiting requests (413). Try again in 2 min.`,
    },
    {
      id: '413 quota (overLimit)',
      fault: {
        status: 413,
        body: '{"overLimit":{"code":413,"message":"Quota exceeded, too many key pairs."}}',
        headers: { 'retry-after': '0' },
      },
      compute: () =>
        'Your key pair quota is used up: Quota exceeded, too many key pairs. Delete key pairs you no longer need, or ask for a higher quota.',
    },
    {
      id: '415',
      fault: { status: 415 },
      compute: (b) => `${b.h} refused the request format (415). Is "keypairs.endpoint" a Compute API?`,
      rackspace: (b) => `${b.h} refused the request format (415). Is the identity URL you signed in with right?`,
      keystone: (b) => `${b.h} refused the request format (415). Is the identity URL you signed in with right?`,
    },
    {
      id: '429',
      fault: { status: 429 },
      compute: (b) => `${b.h} is limiting requests (429). Try again later.`,
      retried: true,
    },
    {
      id: '500',
      fault: { status: 500 },
      compute: (b) => `${b.h} failed to handle the request (500): ${NOVA_500} Try again later.`,
      ambiguous: true,
    },
    {
      id: '500 after the server acted',
      fault: { status: 500, when: 'after' },
      compute: (b) => `${b.h} failed to handle the request (500): ${NOVA_500} Try again later.`,
      ambiguous: true,
      special: {
        // The pair exists but its private key never arrived: deleted again.
        'create-server': (b) => deletedAgain(`${b.h} failed to handle the request (500): ${NOVA_500} Try again later.`),
        // Our public key is on the server: the create (or import) did happen.
        'create-local': () => ({ ok: true }),
        import: () => ({ ok: true, check: (r) => assert.equal((r as ImportResult).matches, true) }),
        // The answer was an error, but a look afterwards finds the pair gone: deleted.
        delete: () => ({ ok: true, check: (r) => assert.equal(r, true), server: [] }),
      },
    },
    {
      id: '503',
      fault: { status: 503 },
      compute: (b) => `The Compute service at ${b.h} is unavailable (503). Try again later.`,
      rackspace: (b) => `The identity service at ${b.h} is unavailable (503). Try again later.`,
      keystone: (b) => `The identity service at ${b.h} is unavailable (503). Try again later.`,
      ambiguous: true,
      retried: true,
    },
  ];

  function statusOutcome(row: StatusRow, pathId: PathId, b: Bed): Outcome {
    const special = row.special?.[pathId];
    if (special) return special(b);
    const message =
      pathId === 'sign-in-rackspace'
        ? (row.rackspace ?? row.compute)(b, pathId)
        : pathId === 'sign-in-keystone'
          ? (row.keystone ?? row.compute)(b, pathId)
          : row.compute(b, pathId);
    if (CREATE_PATHS.includes(pathId) && row.ambiguous) {
      return {
        error: `Key pair "${NAME}" was not created. ${message}`,
        check: (e, bb) => {
          assert.ok(e instanceof CreateAbandonedError && e.server === 'not-created');
          assert.equal(posts().length, 1, 'the POST was not resent');
          assert.deepEqual(bb.sleeps, [RECHECK_DELAY_MS], 'one wait between the two looks');
          // It looked for the pair twice (a lost request may land late) before saying so; a server
          // key also once right before the POST (issue 10 #2, #8).
          const looks = ctx.emu.requests.filter(
            (r) => r.method === 'GET' && r.path.endsWith(`/os-keypairs/${NAME}`),
          ).length;
          assert.equal(looks, pathId === 'create-server' ? 3 : 2);
        },
      };
    }
    return {
      error: message,
      check: (e) => {
        const p = PATHS[pathId];
        const idempotent = p.fault.method !== 'POST';
        const expected = idempotent && row.retried ? 3 : 1;
        assert.equal(requestsTo(p).length, expected, `${p.fault.method} sent ${expected} time(s)`);
        assert.ok(!(e instanceof CreateAbandonedError), 'nothing reached the server');
      },
    };
  }

  for (const row of STATUS_ROWS) {
    describe(`status ${row.id}`, () => {
      for (const pathId of ALL_PATHS) {
        it(pathId, async () => {
          const b = bed();
          await runCase(pathId, b, statusOutcome(row, pathId, b), (_b, p) =>
            ctx.emu.addFault({ ...p.fault, ...row.fault, times: Infinity }),
          );
        });
      }
    });
  }

  // ------------------------------------------------------------------ transport and answer faults

  /** A TCP server on 127.0.0.1 that accepts and never says a word: a TLS handshake that never completes. */
  async function tlsBlackhole(): Promise<string> {
    const sockets = new Set<net.Socket>();
    const srv = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => srv.close(r));
    });
    return `127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
  }

  describe('connect timeout (https endpoint whose TLS handshake never completes)', () => {
    for (const pathId of ALL_PATHS) {
      it(pathId, async () => {
        const h = await tlsBlackhole();
        const b = bed({
          h,
          endpoint: `https://${h}/v2.1`,
          identityUrl: `https://${h}/v2.0`,
          keystoneUrl: `https://${h}/identity`,
        });
        await runCase(pathId, b, {
          error: `${h} did not answer in time. Check your network or try again.`,
          check: (e) => {
            const api = e as ApiError;
            assert.equal(api.kind, 'timeout');
            assert.equal(api.code, 'UND_ERR_CONNECT_TIMEOUT');
            assert.equal(api.ambiguous, false, 'nothing was sent');
          },
        });
      });
    }
  });

  interface AnswerRow {
    id: string;
    fault: Partial<Fault>;
    /** The client's header and body timeouts, ms (undici's timers fire to about a second). */
    timeoutMs?: number;
    paths: PathId[];
    /** The inner message (`h` = host:port). */
    message: (b: Bed, pathId: PathId) => string;
    expect: Partial<Record<PathId, (b: Bed, message: string) => Outcome>>;
  }

  const deletedAgain = (message: string): Outcome => ({
    error: `Key pair "${NAME}" was deleted from the server again, because its private key could not be kept. ${message}`,
    check: (e) => assert.equal((e as CreateAbandonedError).server, 'deleted'),
  });
  const fails = (message: string, server?: string[]): Outcome => ({ error: message, server });
  const succeeds: Outcome = { ok: true };
  const badAnswer = (what: string) => (b: Bed) =>
    `${b.h} sent an answer that is not what the Compute API sends (${what}). Is "keypairs.endpoint" right?`;

  const ANSWER_ROWS: AnswerRow[] = [
    {
      id: 'stall before the headers (after the server acted)',
      fault: { kind: 'stall-before-headers', when: 'after' },
      timeoutMs: 400,
      paths: ALL_PATHS,
      message: (b) => `${b.h} did not answer in time. Check your network or try again.`,
      expect: {
        'create-server': (_b, m) => deletedAgain(m),
        'create-local': () => succeeds,
        import: () => succeeds,
        // No answer in time, but the pair is gone when looked for: deleted.
        delete: () => ({ ok: true, check: (r) => assert.equal(r, true), server: [] }),
      },
    },
    {
      id: 'stall after the headers',
      fault: { kind: 'stall-after-headers', when: 'after' },
      timeoutMs: 400,
      paths: ALL_PATHS,
      message: (b) => `${b.h} did not answer in time. Check your network or try again.`,
      expect: {
        'create-server': (_b, m) => deletedAgain(m),
        'create-local': () => succeeds,
        import: () => succeeds,
        // The delete happened; its answer never completed (not retried: a timeout may be slow
        // work). A look afterwards finds the pair gone: deleted.
        delete: () => ({ ok: true, check: (r) => assert.equal(r, true), server: [] }),
      },
    },
    {
      id: 'connection reset before the headers (once)',
      fault: { kind: 'reset-before-headers' },
      paths: ALL_PATHS,
      message: (b) => `The connection to ${b.h} broke before the answer was complete.`,
      expect: {
        'create-server': (_b, m) => ({
          error: `Key pair "${NAME}" was not created. ${m}`,
          check: (e, b) => {
            assert.equal((e as CreateAbandonedError).server, 'not-created');
            assert.deepEqual(b.sleeps, [RECHECK_DELAY_MS], 'looked twice, one wait between');
          },
        }),
        'create-local': (_b, m) => ({
          error: `Key pair "${NAME}" was not created. ${m}`,
          check: (_e, b) => assert.deepEqual(b.sleeps, [RECHECK_DELAY_MS], 'looked twice, one wait between'),
        }),
        // GET and DELETE are retried: the user never sees the blip.
        list: () => ({ ok: true, check: () => assert.equal(requestsTo(PATHS.list).length, 2) }),
        delete: () => ({ ok: true, check: (r) => assert.equal(r, true) }),
      },
    },
    {
      id: 'connection reset before the headers (every attempt)',
      fault: { kind: 'reset-before-headers', times: Infinity },
      paths: ['list', 'delete'],
      message: (b) => `The connection to ${b.h} broke before the answer was complete.`,
      expect: {
        list: (_b, m) => ({ error: m, check: () => assert.equal(requestsTo(PATHS.list).length, 3) }),
        delete: (_b, m) => ({ error: m, check: () => assert.equal(requestsTo(PATHS.delete).length, 3) }),
      },
    },
    {
      id: 'connection reset mid-body (after the server acted)',
      fault: { kind: 'reset-mid-body', when: 'after' },
      paths: ALL_PATHS,
      message: (b) => `The connection to ${b.h} broke before the answer was complete.`,
      expect: {
        'create-server': (_b, m) => deletedAgain(m),
        'create-local': () => succeeds,
        import: () => succeeds,
        list: () => succeeds, // retried
        // Retried: the second DELETE finds it gone, which is what the user wanted.
        delete: () => ({ ok: true, check: (r) => assert.equal(r, false) }),
      },
    },
    {
      id: 'non-JSON 2xx body',
      fault: { kind: 'malformed-json', when: 'after' },
      paths: ['create-server', 'create-local', 'import', 'list', 'sign-in-rackspace', 'sign-in-keystone'],
      message: (b, pathId) =>
        pathId.startsWith('sign-in')
          ? `The identity service at http://${b.h}${pathId === 'sign-in-rackspace' ? '/v2.0/tokens' : '/identity/v3/auth/tokens'} did not answer with JSON.`
          : badAnswer('not JSON')(b),
      expect: {
        'create-server': (_b, m) => deletedAgain(m),
        'create-local': () => succeeds,
        import: () => succeeds,
      },
    },
    {
      id: 'body over 1 MB',
      fault: { kind: 'oversized-body', when: 'after', sizeBytes: 2 * 1024 * 1024 },
      paths: ['create-server', 'create-local', 'import', 'list', 'sign-in-rackspace', 'sign-in-keystone'],
      message: (b, pathId) =>
        pathId.startsWith('sign-in')
          ? `${b.h} sent an answer larger than 1 MB; it was not read. Is the identity URL you signed in with right?`
          : `${b.h} sent an answer larger than 1 MB; it was not read. Is "keypairs.endpoint" right?`,
      expect: {
        'create-server': (_b, m) => deletedAgain(m),
        'create-local': () => succeeds,
        import: () => succeeds,
      },
    },
    ...(['private_key', 'public_key', 'fingerprint'] as const).map((field): AnswerRow => ({
      id: `200 missing ${field}`,
      fault: { kind: 'missing-field', field, when: 'after' },
      paths: KEYPAIR_PATHS,
      message: badAnswer(`missing ${field}`),
      expect: {
        'create-server': (_b, m) => deletedAgain(m),
        // No private key is expected where the key was made here, nor in a list.
        'create-local': () => succeeds,
        import: () =>
          field === 'private_key'
            ? succeeds
            : { ok: true, check: (r) => assert.equal((r as ImportResult).matches, true) },
        list: (_b, m) => (field === 'private_key' ? succeeds : fails(m)),
      },
    })),
    {
      id: 'fingerprint mismatch',
      fault: { kind: 'wrong-fingerprint', when: 'after' },
      paths: KEYPAIR_PATHS,
      message: () => '',
      expect: {
        'create-server': () => ({
          ok: true,
          check: (r) => {
            const res = r as CreateKeyPairResult;
            assert.ok(res.fingerprintMismatch, 'the mismatch is reported');
            assert.notEqual(res.fingerprintMismatch.server, res.fingerprintMismatch.computed);
          },
        }),
        'create-local': () => ({ ok: true, check: (r) => assert.ok((r as CreateKeyPairResult).fingerprintMismatch) }),
        import: () => ({ ok: true, check: (r) => assert.equal((r as ImportResult).matches, false) }),
        list: () => succeeds,
      },
    },
  ];

  for (const row of ANSWER_ROWS) {
    describe(row.id, () => {
      for (const pathId of row.paths) {
        it(pathId, async () => {
          const timeouts = row.timeoutMs ?? 10_000;
          const b = bed({ http: testHttp({ headersTimeoutMs: timeouts, bodyTimeoutMs: timeouts }) });
          const message = row.message(b, pathId);
          const outcome = row.expect[pathId]?.(b, message) ?? fails(message);
          await runCase(pathId, b, outcome, (_b, p) => ctx.emu.addFault({ ...p.fault, ...row.fault }));
        });
      }
    });
  }

  // ------------------------------------------------------------------ the user and the session

  describe('cancel while the request is in flight', () => {
    for (const pathId of ALL_PATHS) {
      it(pathId, async () => {
        const abort = new AbortController();
        const b = bed({ signal: abort.signal });
        const outcome: Outcome =
          pathId === 'create-server'
            ? deletedAgain('Cancelled.')
            : pathId === 'create-local' || pathId === 'import'
              ? succeeds // the request had arrived: our public key is on the server
              : pathId === 'delete'
                ? fails('Cancelled.', [])
                : fails('Cancelled.');
        await runCase(pathId, b, outcome, (_b, p) => {
          ctx.emu.addFault({ ...p.fault, kind: 'stall-before-headers', when: 'after' });
          // Cancel once the server has the request and has acted on it (an event, not a timer).
          const poll = () =>
            requestsTo(p).length > 0 ? void ctx.emu.idle().then(() => abort.abort()) : void setImmediate(poll);
          setImmediate(poll);
        });
      });
    }
  });

  describe('expired token mid-flow (signed in: one re-authentication, then success)', () => {
    for (const pathId of ['create-server', 'create-local', 'import', 'list', 'delete'] as PathId[]) {
      it(pathId, async () => {
        const http = testHttp();
        const tokens = new TokenManager({
          http,
          credentials: async () => ({
            provider: 'rackspace',
            identityUrl: ctx.emu.identityUrl,
            username: 'demo',
            apiKey: 'demo-api-key',
          }),
        });
        const session = await tokens.session();
        const dfw = session.regions.find((r) => r.region === 'DFW')!.url;
        const b = bed({ http, auth: tokens, endpoint: dfw });
        const tokenPosts = () => ctx.emu.requests.filter((r) => r.path === '/v2.0/tokens').length;
        const rejected = () => ctx.emu.requests.filter((r) => r.status === 401).length;
        // Seeds live in the region the account works in.
        const def = PATHS[pathId];
        const p: PathDef = {
          ...def,
          prepare: async (bb) => {
            if (pathId === 'list') ctx.emu.seed(SEEDS.length, { region: 'DFW' });
            else if (pathId === 'delete') ctx.emu.seed(1, { prefix: 'victim-', region: 'DFW' });
            else await def.prepare?.(bb);
          },
        };
        const outcome: Outcome = {
          ok: true,
          check: () => {
            assert.equal(tokenPosts(), 2, 'signed in once more');
            assert.equal(rejected(), 1, 'one 401');
          },
        };
        await runCase(p, b, outcome, async () => {
          await client(b, '').listAll(); // the view loads
          ctx.emu.expireTokens(); // the token expires on the server before the command runs
        });
      });
    }
  });

  describe('the create triggered twice at once (same name, same folder)', () => {
    for (const pathId of CREATE_PATHS) {
      it(pathId, async () => {
        const b = bed();
        const run = PATHS[pathId].run;
        const settled = await Promise.allSettled([run(b), run(b)]);
        const won = settled.filter((s) => s.status === 'fulfilled');
        const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
        assert.equal(won.length, 1, 'exactly one succeeds');
        assert.equal(lost.length, 1);
        const [winner] = exactly(won, 1, 'winner');
        const [loser] = exactly(lost, 1, 'loser');
        // Server key: the second POST gets 409 (the command asks for another name).
        // Local key: the second finds the first one's file and sends nothing.
        checkMessage(
          loser.reason,
          pathId === 'create-server'
            ? `A key pair with this name already exists on ${b.h} (409). Choose another name.`
            : `${path.join(b.dir, NAME)} already exists; it was not overwritten.`,
        );
        if (pathId === 'create-local') assert.equal(posts().length, 1, 'the loser sent nothing');
        checkFiles(b, [NAME, `${NAME}.pub`]);
        checkServer(b, PATHS[pathId], [NAME]);
        const result = (winner as PromiseFulfilledResult<CreateKeyPairResult>).value;
        const [onServer] = exactly(ctx.emu.keypairs(), 1, 'pair on the server');
        assert.equal(onServer.fingerprint, result.fingerprint, 'the saved key is the one on the server');
      });
    }
  });

  describe('credentials', () => {
    it('SecretStorage failing: a clear message, nothing sent (list)', async () => {
      const tokens = new TokenManager({
        http: testHttp(),
        credentials: async () => {
          throw new Error('Cannot get password: the keyring is locked');
        },
      });
      const b = bed({ auth: tokens });
      await runCase('list', b, {
        error:
          "Your sign-in could not be read from VS Code's secret storage (the system keychain). Unlock the keychain and try again, or sign in again.",
        check: () => assert.deepEqual(ctx.emu.requests, [], 'nothing sent'),
      });
    });

    it('SecretStorage failing: a clear message, nothing sent, no files (create)', async () => {
      const tokens = new TokenManager({
        http: testHttp(),
        credentials: () => Promise.reject(new Error('secret storage unavailable')),
      });
      const b = bed({ auth: tokens });
      await runCase('create-server', b, {
        error:
          "Your sign-in could not be read from VS Code's secret storage (the system keychain). Unlock the keychain and try again, or sign in again.",
        check: () => assert.deepEqual(ctx.emu.requests, [], 'nothing sent'),
      });
    });

    it('signed out (no stored credentials): nothing sent', async () => {
      const b = bed({ auth: new TokenManager({ http: testHttp(), credentials: async () => undefined }) });
      await runCase('create-local', b, {
        error: 'Not signed in. Sign in to Rackspace or OpenStack first.',
        check: () => assert.equal(posts().length, 0),
      });
    });
  });

  // ------------------------------------------------------------------ the SSH folder

  /** Mounts a tmpfs at `dir` (root, Linux); false where that is not possible. */
  function mountTmpfs(dir: string, options: string): boolean {
    fs.mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      return false;
    }
    cleanups.push(() => void execFileSync('umount', [dir], { stdio: 'ignore' }));
    return true;
  }

  /**
   * Where tmpfs can't be mounted (not root, not Linux), the same errno is injected into
   * every file created under `dir` through fs.promises.open (keyFiles.ts calls it at call time).
   */
  function injectOpenError(dir: string, code: string): void {
    const original = fs.promises.open;
    fs.promises.open = async (file: fs.PathLike, ...rest: unknown[]) => {
      if (String(file).startsWith(dir + path.sep) && typeof rest[0] === 'number' && rest[0] & fs.constants.O_CREAT) {
        throw Object.assign(new Error(`${code}: injected, open '${String(file)}'`), { code });
      }
      return (original as (...a: unknown[]) => Promise<fs.promises.FileHandle>)(file, ...rest);
    };
    cleanups.push(() => void (fs.promises.open = original));
  }

  /**
   * The fallback for a full disk: files under `dir` open fine (as on a full disk, an empty
   * file still fits) but writing into them fails with `code`.
   */
  async function injectWriteError(dir: string, code: string): Promise<void> {
    const original = fs.promises.open;
    const probe = await original(__filename, 'r');
    const proto = Object.getPrototypeOf(probe) as { writeFile: (...a: unknown[]) => Promise<void> };
    await probe.close();
    const writeFile = proto.writeFile;
    const doomed = new WeakSet<object>();
    fs.promises.open = async (file: fs.PathLike, ...rest: unknown[]) => {
      const handle = await (original as (...a: unknown[]) => Promise<fs.promises.FileHandle>)(file, ...rest);
      if (String(file).startsWith(dir + path.sep)) doomed.add(handle);
      return handle;
    };
    proto.writeFile = function (this: object, ...args: unknown[]) {
      if (doomed.has(this))
        return Promise.reject(Object.assign(new Error(`${code}: injected write failure`), { code }));
      return writeFile.apply(this, args);
    };
    cleanups.push(() => {
      fs.promises.open = original;
      proto.writeFile = writeFile;
    });
  }

  /** Fills a mounted tmpfs until it has no block left (an empty file still fits: an inode). */
  function fill(dir: string): void {
    const fd = fs.openSync(path.join(dir, 'filler'), 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
  }

  describe('~/.ssh missing: created 0700, keys saved', () => {
    for (const pathId of CREATE_PATHS) {
      it(pathId, async () => {
        const b = bed();
        const home = path.dirname(b.dir);
        const old = process.umask(0o022);
        try {
          await runCase(pathId, b, {
            ok: true,
            check: () => {
              assert.equal(mode(b.dir), 0o700);
              assert.equal(mode(path.join(b.dir, `${NAME}.pub`)), 0o644);
              assert.deepEqual(listing(home), ['ssh']);
            },
          });
        } finally {
          process.umask(old);
        }
      });
    }
  });

  describe('~/.ssh read-only: nothing sent', () => {
    for (const pathId of CREATE_PATHS) {
      it(pathId, async () => {
        const b = bed();
        // A read-only tmpfs, as a read-only mount is (root ignores mode bits, not EROFS).
        if (!mountTmpfs(b.dir, 'ro,size=64k')) injectOpenError(b.dir, 'EROFS');
        await runCase(pathId, b, {
          error: `Can't save ${b.dir}: the file system is read-only.`,
          check: () => assert.equal(posts().length, 0),
        });
      });
    }
  });

  describe('~/.ssh a symlink to a folder: keys land in the target, 0600', () => {
    for (const pathId of CREATE_PATHS) {
      it(pathId, async () => {
        const b = bed();
        const real = path.join(path.dirname(b.dir), 'real-ssh');
        fs.mkdirSync(real, { mode: 0o700 });
        fs.symlinkSync(real, b.dir);
        b.listDir = real;
        await runCase(pathId, b, {
          ok: true,
          check: (r) => {
            assert.equal((r as CreateKeyPairResult).privatePath, path.join(b.dir, NAME));
            assert.ok(fs.lstatSync(b.dir).isSymbolicLink(), 'the link stays a link');
            assert.ok(fs.lstatSync(path.join(real, NAME)).isFile());
          },
        });
      });
    }
  });

  describe('~/.ssh a file: not a folder, nothing sent', () => {
    for (const pathId of CREATE_PATHS) {
      it(pathId, async () => {
        const b = bed();
        fs.writeFileSync(b.dir, 'a file, not a folder');
        await runCase(pathId, b, {
          error: `${b.dir} is not a folder.`,
          check: () => {
            assert.equal(posts().length, 0);
            assert.equal(fs.readFileSync(b.dir, 'utf8'), 'a file, not a folder');
          },
        });
      });
    }
  });

  describe('a key file appears between the check and the save', () => {
    it('create-server: the pair is deleted again, the other file untouched', async () => {
      const b = bed();
      b.afterCreate = () => {
        fs.mkdirSync(b.dir, { recursive: true });
        fs.writeFileSync(path.join(b.dir, NAME), 'someone else');
      };
      await runCase('create-server', b, {
        error: `Key pair "${NAME}" was deleted from the server again, because its private key could not be kept. The private key could not be saved: ${path.join(b.dir, NAME)} already exists; it was not overwritten.`,
        files: [NAME],
        check: () => assert.equal(fs.readFileSync(path.join(b.dir, NAME), 'utf8'), 'someone else'),
      });
    });

    it('create-local: nothing sent, the other file untouched, no half pair', async () => {
      const b = bed();
      b.afterChecks = () => {
        fs.mkdirSync(b.dir, { recursive: true });
        fs.writeFileSync(path.join(b.dir, `${NAME}.pub`), 'someone else\n');
      };
      await runCase('create-local', b, {
        error: `${path.join(b.dir, `${NAME}.pub`)} already exists; it was not overwritten.`,
        files: [`${NAME}.pub`],
        check: () => {
          assert.equal(posts().length, 0);
          assert.equal(fs.readFileSync(path.join(b.dir, `${NAME}.pub`), 'utf8'), 'someone else\n');
        },
      });
    });
  });

  describe('disk full while writing the key', () => {
    /** A full 16 KiB tmpfs; else ENOSPC injected into the write of every file created there. */
    async function fullDisk(b: Bed): Promise<string[]> {
      if (mountTmpfs(b.dir, 'size=16k,mode=0700')) {
        fill(b.dir);
        return ['filler'];
      }
      await injectWriteError(b.dir, 'ENOSPC');
      return [];
    }

    it('create-server: the pair is deleted again', async () => {
      const b = bed();
      const files = await fullDisk(b);
      await runCase('create-server', b, {
        error: `Key pair "${NAME}" was deleted from the server again, because its private key could not be kept. The private key could not be saved: Not enough disk space (or quota) to save ${path.join(b.dir, NAME)}.`,
        files,
        check: (e) => assert.equal((e as CreateAbandonedError).server, 'deleted'),
      });
    });

    it('create-local: nothing sent', async () => {
      const b = bed();
      const files = await fullDisk(b);
      await runCase('create-local', b, {
        error: `Not enough disk space (or quota) to save ${path.join(b.dir, NAME)}.`,
        files,
        check: () => assert.equal(posts().length, 0),
      });
    });

    it('create-server: saved elsewhere when the user picks a folder with room', async () => {
      const b = bed();
      const files = await fullDisk(b);
      const elsewhere = path.join(path.dirname(b.dir), 'elsewhere');
      fs.mkdirSync(elsewhere);
      b.rescue = async (problem, key) => {
        assert.equal(problem.code, 'no-space');
        return saveKeyPair({
          dir: elsewhere,
          fileBase: key.fileBase,
          privateKey: key.privateKey,
          publicKey: key.publicKey,
        });
      };
      const p = PATHS['create-server'];
      const r = (await p.run(b)) as CreateKeyPairResult;
      assert.equal(r.rescued, true);
      checkFiles(b, files);
      checkFiles({ ...b, listDir: elsewhere }, [NAME, `${NAME}.pub`]);
      checkServer(b, p, [NAME], [elsewhere]);
    });
  });
});
