// Secret hygiene: the flows run with known sentinel secrets (API key, password, application
// credential secret, static and issued tokens, every private key the server returns or
// that is generated here), then everything that could reach a user or a log is scanned:
// HttpClient log lines, the flows' log lines, every describeError(...).message, every thrown
// error (message, String, JSON, util.inspect with its cause chain), the results shown, and
// the emulator's request log (tokens there only as `redacted:sha256=…`). Zero hits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { ComputeClient, TokenSource } from '../../../../src/core/api/compute';
import { redactUrl } from '../../../../src/core/api/errors';
import { HttpClient } from '../../../../src/core/api/http';
import { authenticate, Credentials } from '../../../../src/core/api/identity';
import { TokenManager } from '../../../../src/core/api/tokenManager';
import { describeError } from '../../../../src/core/wording/errorText';
import { createKeyPair, CreateAbandonedError, CreateKeyPairOptions } from '../../../../src/core/flows/createKeyPair';
import { importKeyPair, loadPublicKey } from '../../../../src/core/flows/importKeyPair';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { saveKeyPair } from '../../../../src/core/keys/keyFiles';
import { redactedToken } from '../../../emulator/server';
import { tempDir, useEmulator } from '../../helpers/env';
import { must } from '../../../support/must';

const S = {
  apiKey: 'SENTINEL-apikey-5b0c2e9f71',
  password: 'SENTINEL-password-a83d4c11f2',
  appSecret: 'SENTINEL-appsecret-07e9b6d3c4',
  token: 'SENTINEL-token-c6f1a2b8e0',
  wrongPassword: 'SENTINEL-wrongpw-4d2a9e7b13',
};
const USER = {
  username: 'demo',
  userId: 'demo-id',
  apiKey: S.apiKey,
  password: S.password,
  tenantId: '123456',
  defaultRegion: 'DFW',
  domain: 'Default',
  project: 'proj',
  appCredential: { id: 'appcred-1', secret: S.appSecret },
};

describe('faults: secret hygiene (sentinel secrets never reach a user or a log)', function () {
  this.timeout(30_000);
  const ctx = useEmulator({ users: [USER], tokens: [S.token], maxMicroversion: '2.93' });

  /** Every secret met so far: the sentinels, issued tokens, private key bodies. */
  const secrets = new Set<string>(Object.values(S));
  /** Everything a user or a log could see. */
  const seen: Array<{ where: string; text: string }> = [];
  const logLines: string[] = [];
  const http = new HttpClient({ retryBaseMs: 5, log: (l) => logLines.push(l) });
  let root: string;
  let n = 0;
  /** The emulator's request log of every test (it is reset before each). */
  const requestLogs: Array<Array<{ headers: Record<string, unknown> }>> = [];
  before(() => (root = tempDir('skp-secrets-')));
  afterEach(() => void requestLogs.push(JSON.parse(JSON.stringify(ctx.emu.requests))));
  after(() => http.close());

  const show = (where: string, text: string) => seen.push({ where, text });
  const flowLog = (l: string) => show('flow log', l);

  /** A private key's base64 lines: each is a secret. */
  function addPrivateKey(pem: string): void {
    for (const line of pem.split('\n')) if (/^[A-Za-z0-9+/=]{40,}$/.test(line.trim())) secrets.add(line.trim());
  }
  const addKeyFile = (file: string) => addPrivateKey(fs.readFileSync(file, 'utf8'));

  /** Records what a failure shows: the user's message, and the error as any log could print it. */
  function failed(where: string, err: unknown): void {
    show(`${where}: describeError`, describeError(err).message);
    show(`${where}: message`, (err as Error).message);
    show(`${where}: String`, String(err));
    show(`${where}: JSON`, JSON.stringify(err) ?? '');
    show(`${where}: inspect`, inspect(err, { depth: 6 }));
    if (err instanceof CreateAbandonedError && err.unsavedPrivateKey) addPrivateKey(err.unsavedPrivateKey);
  }

  /** Runs `p`; its result as the shell presents it (`present`, default: all of it as JSON) or its failure is recorded. */
  async function attempt<T>(
    where: string,
    p: Promise<T>,
    present: (r: T) => string = (r) => JSON.stringify(r) ?? '',
  ): Promise<T | undefined> {
    try {
      const r = await p;
      show(`${where}: result`, present(r));
      return r;
    } catch (err) {
      failed(where, err);
      return undefined;
    }
  }

  const dir = () => path.join(root, `ssh-${++n}`);
  const never: CreateKeyPairOptions['rescue'] = async () => undefined;
  const fixed = (token = S.token): TokenSource => ({ canRenew: false, token: async () => token });
  const client = (endpoint: string, auth: TokenSource, microversion?: string) =>
    new ComputeClient({ endpoint, http, auth, microversion });
  const creds = {
    rackspaceKey: (): Credentials => ({
      provider: 'rackspace',
      identityUrl: ctx.emu.identityUrl,
      username: 'demo',
      apiKey: S.apiKey,
    }),
    rackspacePassword: (password = S.password): Credentials => ({
      provider: 'rackspace',
      identityUrl: ctx.emu.identityUrl,
      username: 'demo',
      password,
    }),
    keystonePassword: (password = S.password): Credentials => ({
      provider: 'keystone',
      authUrl: ctx.emu.keystoneUrl,
      username: 'demo',
      password,
      userDomain: 'Default',
      project: 'proj',
      projectDomain: 'Default',
    }),
    keystoneApp: (): Credentials => ({
      provider: 'keystone',
      authUrl: ctx.emu.keystoneUrl,
      applicationCredentialId: 'appcred-1',
      applicationCredentialSecret: S.appSecret,
    }),
  };
  const manager = (c: Credentials) =>
    new TokenManager({
      http,
      credentials: async () => c,
      onSession: (s) => (secrets.add(s.token), show('account label', s.accountLabel)),
    });

  /** Runs the flows of one Compute target: create (server and local), import, list, delete, and their failures. */
  async function flows(
    label: string,
    endpoint: string,
    auth: TokenSource,
    serverMv: string,
    localMv: string,
  ): Promise<void> {
    const server = client(endpoint, auth, serverMv);
    const local = client(endpoint, auth, localMv);

    const d1 = dir();
    const made = await attempt(
      `${label} create (server)`,
      createKeyPair({
        generation: 'server',
        compute: server,
        name: 'srv',
        sshDirectory: d1,
        rescue: never,
        log: flowLog,
      }),
    );
    assert.ok(made, 'created');
    addKeyFile(made.privatePath);
    const d2 = dir();
    const loc = await attempt(
      `${label} create (local)`,
      createKeyPair({
        compute: local,
        name: 'loc',
        sshDirectory: d2,
        generation: 'local',
        rescue: never,
        log: flowLog,
      }),
    );
    assert.ok(loc);
    addKeyFile(loc.privatePath);

    const d3 = dir();
    const mine = generateEd25519('me');
    addPrivateKey(mine.privateKey);
    await saveKeyPair({ dir: d3, fileBase: 'id_ed25519', privateKey: mine.privateKey, publicKey: mine.publicKey });
    assert.ok(
      await attempt(
        `${label} import`,
        importKeyPair({ compute: local, name: 'imp', key: await loadPublicKey(path.join(d3, 'id_ed25519.pub')) }),
      ),
    );
    assert.ok(await attempt(`${label} list`, server.listAll()));
    assert.equal(await attempt(`${label} delete`, server.delete('imp')), true);

    // Failures: the answer of a create lost (deleted again), a pair that can be neither
    // saved nor deleted (its private key kept in memory for the user), a rejected token.
    ctx.emu.addFault({ method: 'POST', kind: 'reset-mid-body', when: 'after' });
    await attempt(
      `${label} create lost`,
      createKeyPair({
        generation: 'server',
        compute: server,
        name: 'lost',
        sshDirectory: dir(),
        rescue: never,
        log: flowLog,
      }),
    );
    const d4 = dir();
    const stuck = client(endpoint, auth, serverMv);
    const create = stuck.create.bind(stuck);
    stuck.create = async (...args) => {
      const r = await create(...args);
      fs.writeFileSync(d4, 'not a folder any more');
      return r;
    };
    ctx.emu.addFault({ method: 'DELETE', status: 503, times: Infinity });
    const abandoned = await createKeyPair({
      generation: 'server',
      compute: stuck,
      name: 'stuck',
      sshDirectory: d4,
      rescue: never,
      log: flowLog,
    }).catch((e) => e);
    assert.ok(
      abandoned instanceof CreateAbandonedError && abandoned.unsavedPrivateKey,
      'the private key is only in memory',
    );
    failed(`${label} create stuck`, abandoned);
    ctx.emu.clearFaults();
    await server.delete('stuck');

    ctx.emu.addFault({ method: 'GET', path: /\/os-keypairs$/, status: 401, times: Infinity });
    await attempt(`${label} list 401`, client(endpoint, fixed(), serverMv).listAll());
    ctx.emu.clearFaults();
  }

  it('sign-in: Rackspace (API key, password), Keystone (password, application credential)', async () => {
    for (const [label, c] of Object.entries(creds)) {
      // The session holds the token (kept in SecretStorage); the user sees its label and regions.
      const s = await attempt(`sign-in ${label}`, authenticate(http, c()), (r) =>
        JSON.stringify({ label: r.accountLabel, regions: r.regions }),
      );
      assert.ok(s, label);
      secrets.add(s.token);
    }
  });

  it('sign-in failures: wrong password (401), and error messages that quote the credentials back', async () => {
    await attempt('sign-in wrong password rackspace', authenticate(http, creds.rackspacePassword(S.wrongPassword)));
    await attempt('sign-in wrong password keystone', authenticate(http, creds.keystonePassword(S.wrongPassword)));
    // Identity services quote invalid input in 400 messages: a hostile or careless one may quote the secret.
    for (const [label, path, secret] of [
      ['rackspace', '/v2.0/tokens', S.apiKey],
      ['keystone', '/v3/auth/tokens', S.password],
    ] as const) {
      ctx.emu.addFault({
        method: 'POST',
        path,
        status: 400,
        body: JSON.stringify({ badRequest: { code: 400, message: `Invalid input: '${secret}' is not valid` } }),
      });
      const c = label === 'rackspace' ? creds.rackspaceKey() : creds.keystonePassword();
      const err = await authenticate(http, c).catch((e: unknown) => e);
      failed(`sign-in echo ${label}`, err);
      // The server's words are still shown, with the secret masked.
      assert.equal(describeError(err).message, "The server rejected the request: Invalid input: '***' is not valid");
    }
    ctx.emu.addFault({
      method: 'POST',
      path: '/os-keypairs',
      status: 400,
      body: JSON.stringify({ badRequest: { code: 400, message: `Token ${S.token} is not valid` } }),
    });
    const err = await client(ctx.emu.computeUrl, fixed(), '')
      .create('x')
      .catch((e: unknown) => e);
    failed('compute echo token', err);
    assert.equal(describeError(err).message, 'The server rejected the request: Token *** is not valid');
  });

  it('static API token (Nova): create server/local, import, list, delete, failures', async () => {
    await flows('static', ctx.emu.computeUrl, fixed(), '', '2.92');
  });

  it('signed in with Rackspace: the same flows, and a list after the token expired (renewed)', async () => {
    const tokens = manager(creds.rackspaceKey());
    const session = await tokens.session();
    const dfw = session.regions.find((r) => r.region === 'DFW')!.url;
    await flows('rackspace', dfw, tokens, '', '');
    ctx.emu.expireTokens();
    assert.ok(await attempt('rackspace list after expiry', client(dfw, tokens, '').listAll()));
  });

  it('signed in with Keystone (application credential): the same flows', async () => {
    const tokens = manager(creds.keystoneApp());
    await tokens.session();
    await flows('keystone', ctx.emu.computeUrl, tokens, '2.10', '2.92');
  });

  it('URLs in log lines and errors have secret query values and user info redacted', async () => {
    const base = `${ctx.emu.computeUrl}/os-keypairs`;
    const url = `${base}?token=${S.token}&apiKey=${S.apiKey}&password=${S.password}&limit=5`;
    const before = logLines.length;
    await http.request({ method: 'GET', url, headers: { 'x-auth-token': S.token } });
    const line = must(logLines[before], 'the log line of the request');
    assert.match(line, /\?token=\*\*\*&apiKey=\*\*\*&password=\*\*\*&limit=5 200 \d+ ms$/);
    const withUser = new URL(base);
    withUser.username = 'demo';
    withUser.password = S.password;
    ctx.emu.addFault({ method: 'GET', status: 503, times: Infinity });
    await attempt(
      'url with user info',
      http.request({ method: 'GET', url: `${withUser}?secret=${S.appSecret}`, headers: { 'x-auth-token': S.token } }),
    );
    assert.ok(
      logLines.slice(before + 1).every((l) => l.includes('://***@') && l.includes('secret=***')),
      logLines.slice(before + 1).join('\n'),
    );
    assert.equal(redactUrl(`https://u:${S.password}@h.example/x?sig=${S.token}`), 'https://***@h.example/x?sig=***');
  });

  it('zero secrets in logs, messages, errors, results, and the emulator request log', () => {
    assert.ok(secrets.size > Object.keys(S).length + 8, `issued tokens and private keys collected: ${secrets.size}`);
    assert.ok(seen.length > 100, `texts scanned: ${seen.length}`);
    const texts = [...seen, ...logLines.map((text) => ({ where: 'http log', text }))];
    const hits: string[] = [];
    for (const { where, text } of texts) {
      for (const s of secrets) if (text.includes(s)) hits.push(`${where}: ${s.slice(0, 12)}…`);
      if (/PRIVATE KEY/.test(text)) hits.push(`${where}: PRIVATE KEY`);
    }
    assert.deepEqual(hits, [], `secrets found: ${hits.length}`);
  });

  it('the emulator saw tokens only in redacted form, and no credential in a logged body', () => {
    const log = requestLogs.flat();
    assert.ok(log.length > 50, `requests: ${log.length}`);
    const tokenHeaders = log
      .flatMap((r) => [r.headers['x-auth-token'], r.headers['x-subject-token']])
      .filter((v) => v !== undefined);
    assert.ok(tokenHeaders.length > 20);
    for (const v of tokenHeaders) assert.match(String(v), /^redacted:sha256=[0-9a-f]{12}$/);
    assert.ok(tokenHeaders.includes(redactedToken(S.token)), 'the static token, redacted');
    const all = JSON.stringify(log);
    const hits = [...secrets].filter((s) => all.includes(s));
    assert.deepEqual(
      hits.map((s) => s.slice(0, 12)),
      [],
      'secrets in the request log',
    );
  });
});
