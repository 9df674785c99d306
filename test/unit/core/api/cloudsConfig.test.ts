import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CloudsFound, environmentCloud } from '../../../../src/core/api/cloudsConfig';
import { authenticate, keystoneAuthBody } from '../../../../src/core/api/identity';
import { parseYaml } from '../../../../src/core/api/yamlLite';
import { defaultUserId } from '../../../emulator/common';
import { testHttp, useEmulator } from '../../helpers/env';
import { must } from '../../../support/must';
import { cloud, machine } from '../../helpers/clouds';

describe('yamlLite: the YAML of clouds.yaml', () => {
  it('reads nested mappings, lists, quotes, comments; every scalar a string', () => {
    const v = parseYaml(
      [
        '---',
        '# a comment',
        'clouds:',
        '  one:   # trailing comment',
        '    auth:',
        '      auth_url: https://k.example:5000/v3',
        '      password: "p#ss: \\"x\\""',
        "      project_id: '0042'",
        '      port: 5000',
        '    regions:',
        '      - RegionOne',
        '      - name: RegionTwo',
        '        values: {}',
        '    tags: [a, "b c"]',
        '    verify: false',
        '    empty:',
      ].join('\n'),
    );
    assert.deepEqual(v, {
      clouds: {
        one: {
          auth: { auth_url: 'https://k.example:5000/v3', password: 'p#ss: "x"', project_id: '0042', port: '5000' },
          regions: ['RegionOne', { name: 'RegionTwo', values: {} }],
          tags: ['a', 'b c'],
          verify: 'false',
          empty: null,
        },
      },
    });
  });

  for (const [text, problem] of [
    ['a: 1\n  b: 2\n', /line 2: this line is indented more than expected/],
    ['a: &anchor x\n', /line 1: "&" is YAML this reader does not take/],
    ['a: |\n  text\n', /line 1: "\|" is YAML/],
    ['a: 1\na: 2\n', /line 2: the key "a" appears twice/],
    ['a:\n\tb: 1\n', /line 2: a tab in the indentation/],
    ['a: "open\n', /line 1: a quoted value that does not end/],
  ] as const) {
    it(`refuses ${JSON.stringify(text)} naming the line`, () => {
      assert.throws(() => parseYaml(text), problem);
    });
  }
});

describe('clouds.yaml and the environment (real files in temp folders)', () => {
  it('reads the first clouds.yaml where openstacksdk looks: ./ before ~/.config/openstack before /etc/openstack', async () => {
    const m = machine();
    const yaml = (project: string) =>
      `clouds:\n  c:\n    auth:\n      auth_url: https://k/v3\n      username: u\n      project_name: ${project}\n`;
    m.write(path.join(m.etc, 'clouds.yaml'), yaml('from-etc'));
    assert.equal((await m.find()).clouds[0]?.credentials.authUrl, 'https://k/v3');
    assert.equal(project(await m.find()), 'from-etc');
    m.write(m.user(), yaml('from-home'));
    assert.equal(project(await m.find()), 'from-home');
    m.write(path.join(m.cwd, 'clouds.yaml'), yaml('from-cwd'));
    const found = await m.find();
    assert.equal(project(found), 'from-cwd');
    assert.equal(found.files.clouds, path.join(m.cwd, 'clouds.yaml'));
    const override = m.write(path.join(m.home, 'elsewhere.yaml'), yaml('from-override'));
    assert.equal(project(await m.find({ OS_CLIENT_CONFIG_FILE: override })), 'from-override');

    function project(f: CloudsFound): string {
      const c = must(f.clouds[0], 'a cloud').credentials;
      return 'project' in c ? c.project : '';
    }
  });

  it('merges secure.yaml over clouds.yaml; OS_CLOUD preselects; the password is needed only when absent', async () => {
    const m = machine();
    m.write(
      m.user(),
      [
        'clouds:',
        '  prod:',
        '    region_name: RegionTwo',
        '    interface: internal',
        '    cacert: ca.pem',
        '    auth:',
        '      auth_url: https://keystone.example/v3',
        '      username: alice',
        '      project_name: web',
        '      user_domain_name: Users',
        '      project_domain_id: abc123',
        '  dev:',
        '    auth:',
        '      auth-url: https://dev.example/v3',
        '      user_id: u-1',
        '      project_id: p-1',
      ].join('\n'),
    );
    m.write(m.user('secure.yaml'), 'clouds:\n  prod:\n    auth:\n      password: s3cret\n');
    const found = await m.find({ OS_CLOUD: 'prod' });
    assert.deepEqual(found.problems, []);
    assert.equal(found.preselect, 'prod');
    assert.equal(found.files.secure, m.user('secure.yaml'));
    const prod = cloud(found, 'prod');
    assert.deepEqual(prod.credentials, {
      provider: 'keystone',
      authUrl: 'https://keystone.example/v3',
      interface: 'internal',
      username: 'alice',
      userId: undefined,
      password: 's3cret',
      userDomain: 'Users',
      userDomainId: undefined,
      project: 'web',
      projectId: undefined,
      projectDomain: '',
      projectDomainId: 'abc123',
    });
    assert.equal(prod.needsSecret, false);
    assert.equal(prod.region, 'RegionTwo');
    assert.equal(prod.cacert, path.join(path.dirname(m.user()), 'ca.pem'), 'cacert relative to the file');
    assert.deepEqual(keystoneAuthBody(prod.credentials), {
      identity: {
        methods: ['password'],
        password: { user: { name: 'alice', domain: { name: 'Users' }, password: 's3cret' } },
      },
      scope: { project: { name: 'web', domain: { id: 'abc123' } } },
    });
    const dev = cloud(found, 'dev');
    assert.equal(dev.needsSecret, true, 'no password anywhere: asked');
    assert.deepEqual(keystoneAuthBody(dev.credentials), {
      identity: { methods: ['password'], password: { user: { id: 'u-1', password: '' } } },
      scope: { project: { id: 'p-1' } },
    });
  });

  it('names the file, the cloud and the problem; never the secret', async () => {
    const m = machine();
    const file = m.write(
      m.user(),
      [
        'clouds:',
        '  saml:',
        '    auth_type: v3samlpassword',
        '    auth: {}',
        '  nourl:',
        '    auth:',
        '      username: u',
        '      password: hunter2-secret',
        '      project_name: p',
        '  insecure:',
        '    verify: false',
        '    auth:',
        '      auth_url: https://k/v3',
        '      username: u',
        '      password: hunter2-secret',
        '      project_name: p',
        '  ok:',
        '    auth:',
        '      auth_url: https://k/v3',
        '      application_credential_id: ac',
      ].join('\n'),
    );
    const found = await m.find({ OS_CLOUD: 'missing' });
    assert.deepEqual(
      found.clouds.map((c) => [c.name, c.authType, c.needsSecret]),
      [['ok', 'v3applicationcredential', true]],
    );
    const said = found.problems.map((p) => [p.cloud, p.message]);
    assert.deepEqual(said, [
      [
        'saml',
        `Cloud "saml" in ${file}: the auth type "v3samlpassword" is not supported (use password, v3applicationcredential or token).`,
      ],
      ['nourl', `Cloud "nourl" in ${file}: auth_url is missing (vendor profiles are not read).`],
      [
        'insecure',
        `Cloud "insecure" in ${file}: verify: false is not supported: certificates are always checked. Give the CA bundle as cacert instead.`,
      ],
      ['missing', `OS_CLOUD names the cloud "missing", which is not in ${file}.`],
    ]);
    assert.ok(!JSON.stringify(found.problems).includes('hunter2'), 'no secret in a problem');
  });

  it('a clouds.yaml that is not YAML, or has no clouds, is named with the line', async () => {
    const m = machine();
    const file = m.write(m.user(), 'clouds:\n  a:\n    auth: [unclosed\n');
    const found = await m.find();
    assert.deepEqual(found.clouds, []);
    assert.deepEqual(found.problems, [
      { file, message: `${file} could not be read: line 3: a list in brackets must end on its line.` },
    ]);
    m.write(m.user(), 'not_clouds: {}\n');
    assert.deepEqual((await m.find()).problems, [{ file, message: `${file} has no "clouds:" mapping.` }]);
  });

  it('reads an openrc environment as the cloud "envvars" (names, ids, app credential)', () => {
    const env = {
      OS_AUTH_URL: 'https://k.example:5000/v3',
      OS_USERNAME: 'bob',
      OS_PASSWORD: 'pw',
      OS_PROJECT_ID: 'p-9',
      OS_USER_DOMAIN_ID: 'default',
      OS_REGION_NAME: 'RegionOne',
      OS_INTERFACE: 'public',
    };
    const e = must(environmentCloud(env), 'the environment cloud');
    assert.equal(e.name, 'envvars');
    assert.equal(e.source, 'environment');
    assert.equal(e.region, 'RegionOne');
    assert.deepEqual(keystoneAuthBody(e.credentials), {
      identity: {
        methods: ['password'],
        password: { user: { name: 'bob', domain: { id: 'default' }, password: 'pw' } },
      },
      scope: { project: { id: 'p-9' } },
    });
    const ac = must(
      environmentCloud({
        OS_AUTH_URL: 'https://k/v3',
        OS_AUTH_TYPE: 'v3applicationcredential',
        OS_APPLICATION_CREDENTIAL_ID: 'id-1',
        OS_APPLICATION_CREDENTIAL_SECRET: 'sec',
      }),
      'app credential',
    );
    assert.equal(ac.authType, 'v3applicationcredential');
    assert.equal(ac.needsSecret, false);
    assert.equal(environmentCloud({ OS_USERNAME: 'x' }), undefined, 'no OS_AUTH_URL: no cloud');
  });
});

describe('clouds.yaml sign-in against the emulator Keystone: each auth type, ids and names', () => {
  const ctx = useEmulator({
    users: [
      {
        username: 'demo',
        password: 'demo-password',
        tenantId: '123456',
        appCredential: { id: 'ac-demo', secret: 'ac-secret' },
      },
    ],
  });

  async function signIn(yaml: string, name: string) {
    const m = machine();
    m.write(path.join(m.cwd, 'clouds.yaml'), yaml.replace(/URL/g, `${ctx.emu.keystoneUrl}/v3`));
    const found = await m.find();
    assert.deepEqual(found.problems, []);
    return authenticate(testHttp(), cloud(found, name).credentials);
  }

  it('password with names', async () => {
    const s = await signIn(
      'clouds:\n  n:\n    auth:\n      auth_url: URL\n      username: demo\n      password: demo-password\n      project_name: "123456"\n      user_domain_name: Default\n      project_domain_name: Default\n',
      'n',
    );
    assert.equal(s.accountLabel.startsWith('demo (OpenStack'), true);
    assert.ok(s.regions.length > 0);
  });

  it('password with ids (user, project, domains)', async () => {
    const s = await signIn(
      `clouds:\n  i:\n    auth:\n      auth_url: URL\n      user_id: ${defaultUserId('demo')}\n      password: demo-password\n      project_id: "123456"\n`,
      'i',
    );
    assert.match(s.accountLabel, /^demo \(OpenStack/);
    const s2 = await signIn(
      'clouds:\n  d:\n    auth:\n      auth_url: URL\n      username: demo\n      password: demo-password\n      project_name: "123456"\n      user_domain_id: default\n      project_domain_id: default\n',
      'd',
    );
    assert.match(s2.accountLabel, /project 123456/);
  });

  it('v3applicationcredential', async () => {
    const s = await signIn(
      'clouds:\n  a:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: URL\n      application_credential_id: ac-demo\n      application_credential_secret: ac-secret\n',
      'a',
    );
    assert.ok(s.token);
  });

  it('token (re-scoped to the project), and a wrong token is a clear refusal', async () => {
    const first = await signIn(
      'clouds:\n  n:\n    auth:\n      auth_url: URL\n      username: demo\n      password: demo-password\n      project_name: "123456"\n',
      'n',
    );
    const s = await signIn(
      `clouds:\n  t:\n    auth_type: token\n    auth:\n      auth_url: URL\n      token: ${first.token}\n      project_id: "123456"\n`,
      't',
    );
    assert.notEqual(s.token, first.token);
    await assert.rejects(
      signIn(
        'clouds:\n  t:\n    auth_type: token\n    auth:\n      auth_url: URL\n      token: bogus\n      project_id: "123456"\n',
        't',
      ),
      /did not accept the token/,
    );
  });

  it('interface: internal signs in (the emulator lists every interface); the emulator log holds no password', async () => {
    const s = await signIn(
      'clouds:\n  n:\n    interface: internal\n    auth:\n      auth_url: URL\n      username: demo\n      password: demo-password\n      project_name: "123456"\n',
      'n',
    );
    assert.ok(s.regions.length > 0);
    const post = ctx.emu.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/auth/tokens')).at(-1);
    assert.ok(
      !must(post, 'the token request').body.includes('demo-password'),
      'the emulator log never holds the password',
    );
  });
});
