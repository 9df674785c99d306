// Unit tests of the emulator's Rackspace Identity v2.0 and Keystone v3, over real HTTP.
import * as assert from 'node:assert/strict';
import { Emulator, MFA_PASSCODE, startEmulator } from '../emulator/server';
import { rawRequest } from '../emulator/rawhttp';
import { group } from '../support/must';

const USERS = [
  { username: 'demo', apiKey: 'demo-api-key', password: 'demo-password', tenantId: '123456', defaultRegion: 'DFW' },
  { username: 'mfa-user', apiKey: 'mfa-key', password: 'mfa-pass', tenantId: '222', mfa: true, defaultRegion: 'ORD' },
  { username: 'gone', apiKey: 'gone-key', password: 'gone-pass', tenantId: '333', disabled: true },
  {
    username: 'alice',
    password: 'alice-pass',
    tenantId: 'a1b2c3',
    userId: 'alice-id',
    domain: 'Default',
    project: 'alice-project',
    appCredential: { id: 'appcred-1', secret: 'appcred-secret' },
  },
  { username: 'eve', password: 'eve-pass', tenantId: 'e7e7', domain: 'Engineering', project: 'eve-project' },
];

describe('emulator: identity (Rackspace v2.0, Keystone v3)', function () {
  this.timeout(20000);
  let emu: Emulator;

  const raxAuth = (auth: unknown, headers: Record<string, string> = {}) =>
    rawRequest('POST', `${emu.identityUrl}/tokens`, { body: { auth }, headers });
  const apiKeyAuth = (username: string, apiKey: string) =>
    raxAuth({ 'RAX-KSKEY:apiKeyCredentials': { username, apiKey } });
  const passwordAuth = (username: string, password: string) => raxAuth({ passwordCredentials: { username, password } });
  const ksPassword = (
    name: string,
    password: string,
    project = 'alice-project',
    url = `${emu.keystoneUrl}/v3/auth/tokens`,
  ) =>
    rawRequest('POST', url, {
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name, domain: { name: 'Default' }, password } } },
          scope: { project: { name: project, domain: { name: 'Default' } } },
        },
      },
    });
  const ksAppCred = (id: string, secret: string) =>
    rawRequest('POST', `${emu.keystoneUrl}/v3/auth/tokens`, {
      body: { auth: { identity: { methods: ['application_credential'], application_credential: { id, secret } } } },
    });

  before(async () => {
    emu = await startEmulator({ users: USERS });
  });
  after(() => emu.close());
  beforeEach(() => emu.reset());

  describe('Rackspace Identity v2.0', () => {
    it('API key: 200 with token, user and service catalog', async () => {
      const r = await apiKeyAuth('demo', 'demo-api-key');
      assert.equal(r.status, 200);
      const a = r.json().access;
      assert.match(a.token.id, /^[0-9a-f]{32}$/);
      assert.match(a.token.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const ttl = Date.parse(a.token.expires) - Date.now();
      assert.ok(ttl > 86000 * 1000 && ttl <= 86400 * 1000);
      assert.deepEqual(a.token.tenant, { id: '123456', name: '123456' });
      assert.deepEqual(a.token['RAX-AUTH:authenticatedBy'], ['APIKEY']);
      assert.equal(a.user.name, 'demo');
      assert.equal(a.user['RAX-AUTH:defaultRegion'], 'DFW');
      assert.ok(Array.isArray(a.user.roles) && a.user.roles.length > 0);
      const byName = (n: string) => a.serviceCatalog.find((s: { name: string }) => s.name === n);
      const cso = byName('cloudServersOpenStack');
      assert.equal(cso.type, 'compute');
      assert.deepEqual(
        cso.endpoints.map((e: { region: string }) => e.region),
        ['DFW', 'ORD', 'IAD'],
      );
      for (const e of cso.endpoints) {
        assert.equal(e.tenantId, '123456');
        assert.equal(e.publicURL, emu.rackspaceComputeUrl('123456', e.region));
      }
      assert.equal(new Set(cso.endpoints.map((e: { publicURL: string }) => e.publicURL)).size, 3);
      assert.equal(byName('cloudServers').type, 'compute');
      assert.equal(byName('cloudFiles').type, 'object-store');
      assert.equal(a.serviceCatalog.filter((s: { type: string }) => s.type === 'compute').length, 2);
      assert.ok(!r.body.includes('demo-api-key'));
    });

    it('the token works on the catalog URLs; key pairs are regional', async () => {
      const a = (await apiKeyAuth('demo', 'demo-api-key')).json().access;
      const eps = a.serviceCatalog.find((s: { name: string }) => s.name === 'cloudServersOpenStack').endpoints;
      const h = { 'X-Auth-Token': a.token.id };
      const dfw = eps.find((e: { region: string }) => e.region === 'DFW').publicURL;
      const iad = eps.find((e: { region: string }) => e.region === 'IAD').publicURL;
      const r = await rawRequest('POST', `${dfw}/os-keypairs`, { headers: h, body: { keypair: { name: 'regional' } } });
      assert.equal(r.status, 200);
      assert.equal(r.json().keypair.user_id, a.user.id);
      assert.equal((await rawRequest('GET', `${dfw}/os-keypairs`, { headers: h })).json().keypairs.length, 1);
      assert.equal((await rawRequest('GET', `${iad}/os-keypairs`, { headers: h })).json().keypairs.length, 0);
      assert.deepEqual(
        emu.keypairs(a.user.id).map((k) => k.scope),
        ['DFW'],
      );
      // identity tokens also work on the Nova-style URL (separate, non-regional scope)
      assert.equal(
        (await rawRequest('GET', `${emu.computeUrl}/os-keypairs`, { headers: h })).json().keypairs.length,
        0,
      );
      // another tenant in the URL is refused
      const other = await rawRequest('GET', `${emu.rackspaceComputeUrl('999999', 'DFW')}/os-keypairs`, { headers: h });
      assert.equal(other.status, 401);
    });

    it('password credentials: 200', async () => {
      const r = await passwordAuth('demo', 'demo-password');
      assert.equal(r.status, 200);
      assert.deepEqual(r.json().access.token['RAX-AUTH:authenticatedBy'], ['PASSWORD']);
    });

    it('400 for missing or malformed credentials', async () => {
      const bad = [
        rawRequest('POST', `${emu.identityUrl}/tokens`, { body: '{"auth": ' }),
        rawRequest('POST', `${emu.identityUrl}/tokens`, { body: '' }),
        raxAuth({}),
        raxAuth({ 'RAX-KSKEY:apiKeyCredentials': { username: 'demo' } }),
        raxAuth({ 'RAX-KSKEY:apiKeyCredentials': { apiKey: 'k' } }),
        raxAuth({ passwordCredentials: { username: 'demo' } }),
        raxAuth({ passwordCredentials: 'x' }),
      ];
      for (const r of await Promise.all(bad)) {
        assert.equal(r.status, 400, r.body);
        assert.equal(r.json().badRequest.code, 400);
      }
    });

    it('401 unauthorized for wrong credentials or unknown users', async () => {
      for (const r of [
        await apiKeyAuth('demo', 'wrong'),
        await apiKeyAuth('nobody', 'demo-api-key'),
        await passwordAuth('demo', 'wrong'),
        await passwordAuth('alice', 'wrong'),
      ]) {
        assert.equal(r.status, 401);
        assert.equal(r.json().unauthorized.code, 401);
        assert.equal(typeof r.json().unauthorized.message, 'string');
      }
    });

    it('MFA: password auth gets 401 with OS-MF; API key works; passcode completes', async () => {
      const r = await passwordAuth('mfa-user', 'mfa-pass');
      assert.equal(r.status, 401);
      const wa = String(r.headers['www-authenticate']);
      const sessionId = group(/^OS-MF sessionId='([^']+)', factor='PASSCODE'$/, wa);
      assert.equal((await passwordAuth('mfa-user', 'nope')).headers['www-authenticate'], undefined);
      const k = await apiKeyAuth('mfa-user', 'mfa-key');
      assert.equal(k.status, 200);
      assert.equal(k.json().access.user['RAX-AUTH:defaultRegion'], 'ORD');
      const wrong = await raxAuth(
        { 'RAX-AUTH:passcodeCredentials': { passcode: '000000' } },
        { 'X-SessionId': sessionId },
      );
      assert.equal(wrong.status, 401);
      const ok = await raxAuth(
        { 'RAX-AUTH:passcodeCredentials': { passcode: MFA_PASSCODE } },
        { 'X-SessionId': sessionId },
      );
      assert.equal(ok.status, 200);
      assert.ok(ok.json().access.token.id);
    });

    it('403 for a disabled user', async () => {
      for (const r of [await apiKeyAuth('gone', 'gone-key'), await passwordAuth('gone', 'gone-pass')]) {
        assert.equal(r.status, 403);
        assert.equal(r.json().forbidden.code, 403);
      }
    });

    it('415 for a non-JSON body type', async () => {
      const r = await rawRequest('POST', `${emu.identityUrl}/tokens`, {
        headers: { 'Content-Type': 'application/xml' },
        body: '<auth/>',
      });
      assert.equal(r.status, 415);
    });

    it('expireTokens(): identity tokens get 401 on Compute; static tokens still work', async () => {
      const tok = (await apiKeyAuth('demo', 'demo-api-key')).json().access.token.id;
      const url = `${emu.rackspaceComputeUrl()}/os-keypairs`;
      assert.equal((await rawRequest('GET', url, { headers: { 'X-Auth-Token': tok } })).status, 200);
      emu.expireTokens();
      const r = await rawRequest('GET', url, { headers: { 'X-Auth-Token': tok } });
      assert.equal(r.status, 401);
      assert.equal(r.json().unauthorized.code, 401);
      assert.equal((await rawRequest('GET', url, { headers: { 'X-Auth-Token': 'sandbox-token' } })).status, 200);
    });

    it('tokenTtlSeconds: tokens expire by themselves', async () => {
      emu.setOptions({ tokenTtlSeconds: 1 });
      try {
        const a = (await apiKeyAuth('demo', 'demo-api-key')).json().access;
        assert.ok(Date.parse(a.token.expires) - Date.now() <= 1000);
        await new Promise((r) => setTimeout(r, 1100));
        const r = await rawRequest('GET', `${emu.computeUrl}/os-keypairs`, { headers: { 'X-Auth-Token': a.token.id } });
        assert.equal(r.status, 401);
      } finally {
        emu.setOptions({ tokenTtlSeconds: 86400 });
      }
    });
  });

  describe('Keystone v3', () => {
    it('password, project scope: 201, X-Subject-Token, catalog of nova endpoints', async () => {
      const r = await ksPassword('alice', 'alice-pass');
      assert.equal(r.status, 201);
      const tok = String(r.headers['x-subject-token']);
      assert.ok(tok.length > 20);
      const t = r.json().token;
      assert.deepEqual(t.methods, ['password']);
      assert.match(t.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.match(t.issued_at, /Z$/);
      assert.equal(t.user.name, 'alice');
      assert.equal(t.user.id, 'alice-id');
      assert.equal(t.project.name, 'alice-project');
      assert.equal(t.project.id, 'a1b2c3');
      assert.ok(t.roles.length > 0);
      const nova = t.catalog.find((s: { type: string }) => s.type === 'compute');
      assert.equal(nova.name, 'nova');
      assert.equal(nova.endpoints.length, 9);
      for (const e of nova.endpoints) {
        assert.equal(e.url, e.interface === 'public' ? emu.computeUrl : `${emu.computeUrl}/a1b2c3`, e.interface);
      }
      assert.deepEqual([...new Set(nova.endpoints.map((e: { interface: string }) => e.interface))].sort(), [
        'admin',
        'internal',
        'public',
      ]);
      const c = await rawRequest('POST', `${emu.computeUrl}/os-keypairs`, {
        headers: { 'X-Auth-Token': tok, 'OpenStack-API-Version': 'compute 2.2' },
        body: { keypair: { name: 'ks' } },
      });
      assert.equal(c.status, 201);
      assert.equal(emu.keypairs('alice-id').length, 1);
      assert.equal(emu.keypairs().length, 0); // the default (static-token) user is someone else
    });

    it('also served at /v3/auth/tokens on the root; project by id; user by id', async () => {
      assert.equal((await ksPassword('alice', 'alice-pass', 'alice-project', `${emu.url}/v3/auth/tokens`)).status, 201);
      const r = await rawRequest('POST', `${emu.keystoneUrl}/v3/auth/tokens`, {
        body: {
          auth: {
            identity: { methods: ['password'], password: { user: { id: 'alice-id', password: 'alice-pass' } } },
            scope: { project: { id: 'a1b2c3' } },
          },
        },
      });
      assert.equal(r.status, 201);
      assert.equal((await rawRequest('GET', `${emu.keystoneUrl}/v3`)).json().version.status, 'stable');
    });

    it('domains by id or by name, project by id or by name in its domain; a wrong id is 401', async () => {
      const ks = (user: unknown, project: unknown) =>
        rawRequest('POST', `${emu.keystoneUrl}/v3/auth/tokens`, {
          body: { auth: { identity: { methods: ['password'], password: { user } }, scope: { project } } },
        });
      const byName = { name: 'eve', domain: { name: 'Engineering' }, password: 'eve-pass' };
      const byDomainId = { name: 'eve', domain: { id: 'engineering' }, password: 'eve-pass' };
      const answers = [
        await ks(byDomainId, { id: 'e7e7' }),
        await ks(byName, { id: 'e7e7' }),
        await ks(byDomainId, { name: 'eve-project', domain: { id: 'engineering' } }),
        await ks(byName, { name: 'eve-project', domain: { name: 'Engineering' } }),
      ];
      assert.deepEqual(
        answers.map((r) => r.status),
        [201, 201, 201, 201],
      );
      for (const r of answers)
        assert.deepEqual(r.json().token.project, {
          id: 'e7e7',
          name: 'eve-project',
          domain: { id: 'engineering', name: 'Engineering' },
        });
      const refused = [
        await ks({ ...byDomainId, domain: { id: 'default' } }, { id: 'e7e7' }),
        await ks(byDomainId, { id: 'eve-project' }),
        await ks(byDomainId, { name: 'e7e7', domain: { id: 'engineering' } }),
        await ks(byDomainId, { name: 'eve-project', domain: { id: 'default' } }),
      ];
      assert.deepEqual(
        refused.map((r) => r.status),
        [401, 401, 401, 401],
      );
    });

    it('internal and admin Compute endpoints carry the project and take the token', async () => {
      const r = await ksPassword('alice', 'alice-pass');
      const nova = r.json().token.catalog.find((s: { type: string }) => s.type === 'compute');
      const internal = nova.endpoints.find((e: { interface: string }) => e.interface === 'internal');
      assert.equal(internal.url, `${emu.computeUrl}/a1b2c3`);
      const c = await rawRequest('POST', `${internal.url}/os-keypairs`, {
        headers: { 'X-Auth-Token': String(r.headers['x-subject-token']), 'OpenStack-API-Version': 'compute 2.2' },
        body: { keypair: { name: 'via-internal' } },
      });
      assert.equal(c.status, 201);
      assert.deepEqual(
        emu.keypairs('alice-id').map((k) => k.name),
        ['via-internal'],
      );
    });

    it('application credential: 201, scoped', async () => {
      const r = await ksAppCred('appcred-1', 'appcred-secret');
      assert.equal(r.status, 201);
      const t = r.json().token;
      assert.deepEqual(t.methods, ['application_credential']);
      assert.equal(t.project.id, 'a1b2c3');
      const tok = String(r.headers['x-subject-token']);
      const l = await rawRequest('GET', `${emu.computeUrl}/os-keypairs`, { headers: { 'X-Auth-Token': tok } });
      assert.equal(l.status, 200);
    });

    it('401 with the error body and WWW-Authenticate: Keystone uri', async () => {
      for (const r of [
        await ksPassword('alice', 'wrong'),
        await ksPassword('nobody', 'alice-pass'),
        await ksPassword('alice', 'alice-pass', 'other-project'),
        await ksAppCred('appcred-1', 'wrong'),
        await ksAppCred('nope', 'appcred-secret'),
      ]) {
        assert.equal(r.status, 401);
        assert.deepEqual(r.json(), {
          error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
        });
        assert.equal(r.headers['www-authenticate'], `Keystone uri="${emu.keystoneUrl}/v3"`);
        assert.equal(r.headers['x-subject-token'], undefined);
      }
    });

    it('400 for malformed requests; unscoped tokens cannot use Compute', async () => {
      let r = await rawRequest('POST', `${emu.keystoneUrl}/v3/auth/tokens`, { body: '{' });
      assert.equal(r.status, 400);
      assert.equal(r.json().error.code, 400);
      r = await rawRequest('POST', `${emu.keystoneUrl}/v3/auth/tokens`, { body: { auth: {} } });
      assert.equal(r.status, 400);
      r = await rawRequest('POST', `${emu.keystoneUrl}/v3/auth/tokens`, {
        body: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'alice', domain: { id: 'default' }, password: 'alice-pass' } },
            },
          },
        },
      });
      assert.equal(r.status, 201);
      assert.equal(r.json().token.catalog, undefined);
      const c = await rawRequest('GET', `${emu.computeUrl}/os-keypairs`, {
        headers: { 'X-Auth-Token': String(r.headers['x-subject-token']) },
      });
      assert.equal(c.status, 401);
    });

    it('expireTokens(): Keystone tokens get 401 with WWW-Authenticate', async () => {
      const tok = String((await ksAppCred('appcred-1', 'appcred-secret')).headers['x-subject-token']);
      emu.expireTokens();
      const r = await rawRequest('GET', `${emu.computeUrl}/os-keypairs`, { headers: { 'X-Auth-Token': tok } });
      assert.equal(r.status, 401);
      assert.match(String(r.headers['www-authenticate']), /^Keystone uri="/);
    });
  });

  it('secrets never appear in the request log or the control API', async () => {
    await apiKeyAuth('demo', 'demo-api-key');
    await passwordAuth('demo', 'demo-password');
    await ksAppCred('appcred-1', 'appcred-secret');
    const tok = (await apiKeyAuth('demo', 'demo-api-key')).json().access.token.id;
    await rawRequest('GET', `${emu.computeUrl}/os-keypairs`, { headers: { 'X-Auth-Token': tok } });
    const log = JSON.stringify(emu.requests);
    const state = (await rawRequest('GET', `${emu.url}/_emulator/state`)).body;
    const reqs = (await rawRequest('GET', `${emu.url}/_emulator/requests`)).body;
    for (const text of [log, state, reqs]) {
      for (const secret of ['demo-api-key', 'demo-password', 'appcred-secret', 'alice-pass', tok, 'sandbox-token']) {
        assert.ok(!text.includes(secret), `leaked ${secret}`);
      }
    }
    assert.ok(log.includes('redacted:sha256='));
  });
});
