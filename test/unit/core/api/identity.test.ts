// Sign-in (Rackspace Identity v2.0, Keystone v3) and the TokenManager, over real HTTP to the emulator.
import * as assert from 'node:assert/strict';
import { ComputeClient } from '../../../../src/core/api/compute';
import { ApiError } from '../../../../src/core/api/errors';
import {
  AuthError,
  Credentials,
  RackspaceCredentials,
  RACKSPACE_UK_IDENTITY,
  RACKSPACE_US_IDENTITY,
  Session,
  authenticate,
  tokensUrl,
} from '../../../../src/core/api/identity';
import { TokenManager, TokenManagerOptions } from '../../../../src/core/api/tokenManager';
import { testHttp, useEmulator } from '../../helpers/env';
import type { EmulatorUser } from '../../../emulator/common';
import { must } from '../../../support/must';

/** The first user: Rackspace with an API key and a password. */
const DEMO = {
  username: 'demo',
  userId: 'demo-id',
  apiKey: 'demo-api-key-9f3',
  password: 'demo-password-7c1',
  tenantId: '123456',
  defaultRegion: 'DFW',
};
const USERS: EmulatorUser[] = [
  DEMO,
  {
    username: 'mfa-user',
    apiKey: 'mfa-api-key-2b8',
    password: 'mfa-password-5e4',
    tenantId: '222',
    mfa: true,
    defaultRegion: 'ORD',
  },
  { username: 'gone', apiKey: 'gone-api-key-1a6', password: 'gone-password-3d2', tenantId: '333', disabled: true },
  { username: 'uk', apiKey: 'uk-api-key-8c7', tenantId: '444', defaultRegion: 'LON' },
  {
    username: 'alice',
    userId: 'alice-id',
    password: 'alice-password-6f0',
    tenantId: 'a1b2c3',
    domain: 'Default',
    project: 'alice-project',
    appCredential: { id: 'appcred-1', secret: 'appcred-secret-4d9' },
  },
];
/** Every secret of the fixtures, plus tokens seen during a test: none may reach logs or errors. */
const SECRETS = USERS.flatMap((u) => [u.apiKey, u.password, u.appCredential?.secret]).filter((s): s is string => !!s);
const REGIONS = ['ORD', 'DFW', 'IAD', 'SYD', 'HKG'];

describe('identity: sign-in and tokens', () => {
  const ctx = useEmulator({ users: USERS, regions: REGIONS });
  let http: ReturnType<typeof testHttp>;
  let texts: string[];
  let tokens: string[];

  const rax = (over: Partial<{ username: string; apiKey: string; password: string }> = {}): RackspaceCredentials =>
    over.password !== undefined
      ? {
          provider: 'rackspace',
          identityUrl: ctx.emu.identityUrl,
          username: over.username ?? 'demo',
          password: over.password,
        }
      : {
          provider: 'rackspace',
          identityUrl: ctx.emu.identityUrl,
          username: over.username ?? 'demo',
          apiKey: over.apiKey ?? DEMO.apiKey,
        };
  const ksPassword = (password = 'alice-password-6f0', authUrl = ctx.emu.keystoneUrl): Credentials => ({
    provider: 'keystone',
    authUrl,
    username: 'alice',
    password,
    userDomain: 'Default',
    project: 'alice-project',
    projectDomain: 'Default',
  });
  const ksAppCred = (secret = 'appcred-secret-4d9'): Credentials => ({
    provider: 'keystone',
    authUrl: ctx.emu.keystoneUrl,
    applicationCredentialId: 'appcred-1',
    applicationCredentialSecret: secret,
  });
  const signIn = async (creds: Credentials) => {
    const s = await authenticate(http, creds);
    tokens.push(s.token);
    return s;
  };
  const manager = (creds: Credentials | undefined, o: Partial<TokenManagerOptions> = {}) =>
    new TokenManager({
      http,
      credentials: async () => creds,
      ...o,
      onSession: (s) => {
        tokens.push(s.token);
        o.onSession?.(s);
      },
    });
  const authPosts = () =>
    ctx.emu.requests.filter((r) => r.method === 'POST' && /\/(v2\.0\/tokens|v3\/auth\/tokens)$/.test(r.path)).length;
  const keypairGets = () => ctx.emu.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/os-keypairs'));

  /** The error `p` rejects with; its message and fields are kept for the secret check. */
  async function failure<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
    const err = await p.then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof type, `${type.name} expected, got ${String(err)}`);
    texts.push(err.message, String(err), JSON.stringify(err));
    return err;
  }

  beforeEach(() => {
    http = testHttp();
    texts = [];
    tokens = [];
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') return;
    const seen = [...http.lines, ...texts].join('\n');
    for (const secret of [...SECRETS, ...tokens]) assert.ok(!seen.includes(secret), `a secret leaked into logs/errors`);
  });

  describe('authenticate', () => {
    it('exports the Rackspace identity endpoints and builds the token URLs', () => {
      assert.equal(RACKSPACE_US_IDENTITY, 'https://identity.api.rackspacecloud.com/v2.0');
      assert.equal(RACKSPACE_UK_IDENTITY, 'https://lon.identity.api.rackspacecloud.com/v2.0');
      const r = { provider: 'rackspace', username: 'u', apiKey: 'k' } as const;
      assert.equal(
        tokensUrl({ ...r, identityUrl: RACKSPACE_UK_IDENTITY + '/' }),
        'https://lon.identity.api.rackspacecloud.com/v2.0/tokens',
      );
      assert.equal(
        tokensUrl({ ...r, identityUrl: 'https://identity.example' }),
        'https://identity.example/v2.0/tokens',
      );
      const k = { provider: 'keystone', applicationCredentialId: 'i', applicationCredentialSecret: 's' } as const;
      assert.equal(tokensUrl({ ...k, authUrl: 'https://ks.example:5000' }), 'https://ks.example:5000/v3/auth/tokens');
      assert.equal(
        tokensUrl({ ...k, authUrl: 'https://ks.example:5000/v3/' }),
        'https://ks.example:5000/v3/auth/tokens',
      );
    });

    it('Rackspace API key: token, expiry, label, regions of cloudServersOpenStack sorted, legacy ignored', async () => {
      const s = await signIn(rax());
      assert.match(s.token, /^[0-9a-f]{32}$/);
      const ttl = s.expiresAt - Date.now();
      assert.ok(ttl > 86000_000 && ttl <= 86400_000, `24 h token, got ${ttl} ms`);
      assert.equal(s.accountLabel, 'demo (Rackspace, tenant 123456)');
      assert.deepEqual(
        s.regions,
        ['DFW', 'HKG', 'IAD', 'ORD', 'SYD'].map((region) => ({
          region,
          url: ctx.emu.rackspaceComputeUrl('123456', region),
        })),
      );
      assert.ok(!s.regions.some((r) => r.url.includes('/v1.0/')), 'the legacy cloudServers entry is not used');
      assert.equal(s.defaultRegion, 'DFW');
      const post = ctx.emu.requests.find((r) => r.path === '/v2.0/tokens')!;
      assert.deepEqual(JSON.parse(post.body), {
        auth: { 'RAX-KSKEY:apiKeyCredentials': { username: 'demo', apiKey: '***' } },
      });
    });

    it('Rackspace password; identity URL with a trailing slash', async () => {
      const s = await signIn({ ...rax({ password: DEMO.password }), identityUrl: ctx.emu.identityUrl + '/' });
      assert.equal(s.defaultRegion, 'DFW');
      assert.equal(s.regions.length, 5);
      const post = ctx.emu.requests.find((r) => r.path === '/v2.0/tokens')!;
      assert.deepEqual(JSON.parse(post.body), { auth: { passwordCredentials: { username: 'demo', password: '***' } } });
      // The token works on a catalog URL.
      const c = new ComputeClient({
        endpoint: must(s.regions[0], 'a region').url,
        http,
        auth: { canRenew: false, token: async () => s.token },
      });
      assert.deepEqual((await c.listPage()).keyPairs, []);
    });

    it('no default region when the named one is not in the catalog', async () => {
      const s = await signIn(rax({ username: 'uk', apiKey: 'uk-api-key-8c7' }));
      assert.equal(s.defaultRegion, undefined);
      assert.equal(s.accountLabel, 'uk (Rackspace, tenant 444)');
    });

    for (const suffix of ['', '/v3', '/v3/']) {
      it(`Keystone password, auth URL ending '${suffix || '(none)'}': X-Subject-Token, public compute endpoints`, async () => {
        const s = await signIn(ksPassword(undefined, ctx.emu.keystoneUrl + suffix));
        assert.match(s.token, /^gAAAAAB/);
        assert.ok(s.expiresAt > Date.now() + 86000_000);
        assert.equal(s.accountLabel, `alice (OpenStack ${new URL(ctx.emu.url).host}, project alice-project)`);
        assert.deepEqual(
          s.regions.map((r) => r.region),
          ['DFW', 'HKG', 'IAD', 'ORD', 'SYD'],
        );
        assert.ok(s.regions.every((r) => r.url === ctx.emu.computeUrl));
        assert.equal(s.defaultRegion, undefined);
        const post = ctx.emu.requests.find((r) => r.method === 'POST')!;
        assert.equal(post.path, '/identity/v3/auth/tokens');
        const auth = JSON.parse(post.body).auth;
        assert.deepEqual(auth.scope, { project: { name: 'alice-project', domain: { name: 'Default' } } });
      });
    }

    it('Keystone application credential; a single region is the default', async () => {
      ctx.emu.setOptions({ regions: ['RegionOne'] });
      const s = await signIn(ksAppCred());
      assert.match(s.accountLabel, /^alice \(OpenStack /, 'the user named by the token');
      assert.deepEqual(s.regions, [{ region: 'RegionOne', url: ctx.emu.computeUrl }]);
      assert.equal(s.defaultRegion, 'RegionOne');
      const c = new ComputeClient({
        endpoint: must(s.regions[0], 'a region').url,
        http,
        auth: { canRenew: false, token: async () => s.token },
      });
      await c.create('via-appcred', {
        publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a',
      });
      assert.deepEqual(
        ctx.emu.keypairs('alice-id').map((k) => k.name),
        ['via-appcred'],
      );
    });

    it('bad credentials of every kind → AuthError bad-credentials', async () => {
      const cases: [Credentials, RegExp][] = [
        [rax({ apiKey: 'wrong-key' }), /API key/],
        [rax({ username: 'nobody' }), /API key/],
        [rax({ password: 'wrong-password' }), /password/],
        [ksPassword('wrong-password'), /password/],
        [ksAppCred('wrong-secret'), /application credential/],
      ];
      for (const [creds, message] of cases) {
        const e = await failure(authenticate(http, creds), AuthError);
        assert.equal(e.kind, 'bad-credentials');
        assert.match(e.message, message);
      }
    });

    it('MFA on password sign-in → mfa-required, advising the API key (which works)', async () => {
      const e = await failure(
        authenticate(http, rax({ username: 'mfa-user', password: 'mfa-password-5e4' })),
        AuthError,
      );
      assert.equal(e.kind, 'mfa-required');
      assert.match(e.message, /multi-factor/);
      assert.match(e.message, /API key/);
      const s = await signIn(rax({ username: 'mfa-user', apiKey: 'mfa-api-key-2b8' }));
      assert.equal(s.defaultRegion, 'ORD');
    });

    it('disabled user (403) → disabled', async () => {
      const e = await failure(authenticate(http, rax({ username: 'gone', apiKey: 'gone-api-key-1a6' })), AuthError);
      assert.equal(e.kind, 'disabled');
      assert.match(e.message, /disabled/);
    });

    it('a catalog without cloudServersOpenStack (legacy cloudServers only) → no-compute', async () => {
      const legacy = {
        name: 'cloudServers',
        type: 'compute',
        endpoints: [{ tenantId: '1', publicURL: `${ctx.emu.url}/v1.0/1` }],
      };
      const access = {
        token: { id: 'f'.repeat(32), expires: new Date(Date.now() + 3600_000).toISOString() },
        user: { name: 'demo' },
        serviceCatalog: [legacy],
      };
      ctx.emu.addFault({ method: 'POST', path: '/v2.0/tokens', status: 200, body: JSON.stringify({ access }) });
      const e = await failure(authenticate(http, rax()), AuthError);
      assert.equal(e.kind, 'no-compute');
      assert.match(e.message, /Cloud Servers/);
    });

    it('a Keystone catalog with no public compute endpoint → no-compute', async () => {
      const catalog = [
        {
          type: 'compute',
          name: 'nova',
          endpoints: [{ interface: 'internal', region: 'RegionOne', url: ctx.emu.computeUrl }],
        },
        {
          type: 'identity',
          name: 'keystone',
          endpoints: [{ interface: 'public', region: 'RegionOne', url: ctx.emu.keystoneUrl }],
        },
      ];
      ctx.emu.addFault({
        method: 'POST',
        path: '/auth/tokens',
        status: 201,
        body: JSON.stringify({ token: { expires_at: '2099-01-01T00:00:00.000000Z', catalog } }),
        headers: { 'X-Subject-Token': 'gAAAAAB-fake' },
      });
      const e = await failure(authenticate(http, ksAppCred()), AuthError);
      assert.equal(e.kind, 'no-compute');
    });

    it('answers without a token or JSON → bad-response; other statuses stay ApiError', async () => {
      ctx.emu.addFault({ method: 'POST', path: '/v2.0/tokens', status: 200, body: '{"access":{}}' });
      assert.equal((await failure(authenticate(http, rax()), AuthError)).kind, 'bad-response');
      ctx.emu.addFault({ method: 'POST', path: '/auth/tokens', status: 201, body: '{"token":{}}' });
      assert.equal(
        (await failure(authenticate(http, ksAppCred()), AuthError)).kind,
        'bad-response',
        'no X-Subject-Token',
      );
      ctx.emu.addFault({ method: 'POST', path: '/v2.0/tokens', kind: 'malformed-json' });
      assert.equal((await failure(authenticate(http, rax()), AuthError)).kind, 'bad-response');
      ctx.emu.addFault({ method: 'POST', path: '/v2.0/tokens', status: 500 });
      assert.equal((await failure(authenticate(http, rax()), ApiError)).kind, 'server-error');
      const wrongUrl = { ...rax(), identityUrl: `${ctx.emu.url}/nothing/v2.0` };
      assert.equal((await failure(authenticate(http, wrongUrl), ApiError)).kind, 'endpoint-not-found');
    });
  });

  describe('TokenManager', () => {
    it('reuses the token: many calls, one sign-in; onSession sees it', async () => {
      const seen: Session[] = [];
      const tm = manager(rax(), { onSession: (s) => seen.push(s) });
      assert.equal(tm.canRenew, true);
      const got = await Promise.all(Array.from({ length: 10 }, () => tm.token()));
      for (let i = 0; i < 5; i++) got.push(await tm.token());
      const s = await tm.session();
      assert.equal(new Set(got).size, 1);
      assert.equal(got[0], s.token);
      assert.equal(authPosts(), 1);
      assert.deepEqual(seen, [s]);
    });

    it('signs in again when the token is within the skew of its expiry', async () => {
      let clock = Date.now();
      const tm = manager(rax(), { now: () => clock, skewMs: 60_000 });
      const first = await tm.session();
      clock = first.expiresAt - 60_001;
      assert.equal(await tm.token(), first.token);
      assert.equal(authPosts(), 1);
      clock = first.expiresAt - 60_000;
      const second = await tm.token();
      assert.notEqual(second, first.token);
      assert.equal(authPosts(), 2);
    });

    it('signs in again once the server-side expiry passes (tokenTtlSeconds: 1, no skew)', async () => {
      ctx.emu.setOptions({ tokenTtlSeconds: 1 });
      const tm = manager(ksPassword(), { skewMs: 0 });
      const a = await tm.token();
      assert.equal(await tm.token(), a);
      await new Promise((r) => setTimeout(r, 1100));
      const b = await tm.token();
      assert.notEqual(a, b);
      assert.equal(authPosts(), 2);
    });

    it('a 401 from Compute → exactly one re-sign-in and one retry', async () => {
      const tm = manager(rax());
      const ord = (await tm.session()).regions.find((r) => r.region === 'ORD')!;
      const c = new ComputeClient({ endpoint: ord.url, http, auth: tm });
      await c.listPage();
      ctx.emu.expireTokens();
      await c.listPage();
      assert.equal(authPosts(), 2);
      assert.deepEqual(
        keypairGets().map((r) => r.status),
        [200, 401, 200],
      );
    });

    it('10 parallel calls after expiry → one re-sign-in, all succeed', async () => {
      const tm = manager(ksAppCred());
      const c = new ComputeClient({ endpoint: must((await tm.session()).regions[0], 'a region').url, http, auth: tm });
      await c.version();
      ctx.emu.expireTokens();
      const pages = await Promise.all(Array.from({ length: 10 }, () => c.listPage()));
      assert.equal(pages.length, 10);
      assert.equal(authPosts(), 2);
      const statuses = keypairGets().map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 10);
      assert.equal(statuses.filter((s) => s === 401).length, 10);
    });

    it('a rejected token that was already replaced → the current one, no sign-in', async () => {
      const tm = manager(rax());
      const old = await tm.token();
      const renewed = await tm.token({ rejected: old });
      assert.notEqual(renewed, old);
      assert.equal(await tm.token({ rejected: old }), renewed);
      assert.equal(authPosts(), 2);
    });

    it('bad credentials propagate as AuthError through Compute; signed out → signed-out', async () => {
      const tm = manager(rax({ apiKey: 'revoked-key' }));
      const c = new ComputeClient({
        endpoint: ctx.emu.rackspaceComputeUrl('123456', 'ORD'),
        http,
        auth: tm,
        microversion: '',
      });
      assert.equal((await failure(c.listPage(), AuthError)).kind, 'bad-credentials');
      assert.equal((await failure(tm.token(), AuthError)).kind, 'bad-credentials', 'a failed sign-in is not cached');
      assert.equal(authPosts(), 2);
      const out = manager(undefined);
      const e = await failure(out.session(), AuthError);
      assert.equal(e.kind, 'signed-out');
    });

    it('clear() forgets the session and reads the credentials again', async () => {
      let creds: Credentials = rax();
      const tm = new TokenManager({ http, credentials: async () => creds, onSession: (s) => tokens.push(s.token) });
      const rs = await tm.session();
      tm.clear();
      creds = ksAppCred();
      const ks = await tm.session();
      assert.notEqual(ks.token, rs.token);
      assert.match(ks.accountLabel, /^alice \(OpenStack/);
      assert.equal(authPosts(), 2);
    });

    it('a cancelled caller stops waiting; the shared sign-in still serves the others', async () => {
      ctx.emu.addFault({ method: 'POST', path: '/v2.0/tokens', delayMs: 300 });
      const tm = manager(rax());
      const ac = new AbortController();
      const cancelled = tm.token({ signal: ac.signal });
      const other = tm.token();
      ac.abort();
      assert.equal((await failure(cancelled, ApiError)).kind, 'cancelled');
      assert.match(await other, /^[0-9a-f]{32}$/);
      assert.equal(authPosts(), 1);
    });
  });

  it('sign in → pick ORD → create a key pair through Compute: it lands in ORD', async () => {
    const tm = manager({
      provider: 'rackspace',
      identityUrl: ctx.emu.identityUrl,
      username: 'demo',
      apiKey: DEMO.apiKey,
    });
    const session = await tm.session();
    const ord = session.regions.find((r) => r.region === 'ORD');
    assert.ok(ord, 'ORD is offered');
    const c = new ComputeClient({ endpoint: ord.url, http, auth: tm });
    const created = await c.create('signed-in-key');
    assert.ok(created.privateKey?.includes('PRIVATE KEY'));
    assert.deepEqual(
      ctx.emu.keypairs('demo-id', 'ORD').map((k) => k.name),
      ['signed-in-key'],
    );
    assert.deepEqual(ctx.emu.keypairs('demo-id', 'DFW'), []);
    const post = ctx.emu.requests.find((r) => r.method === 'POST' && r.path.endsWith('/os-keypairs'))!;
    assert.equal(post.path, '/ord/v2/123456/os-keypairs');
    assert.equal(post.status, 200);
    assert.equal(authPosts(), 1);
  });
});
