/**
 * clouds.yaml `cacert` over real TLS: the emulator served over https on 127.0.0.1 with a
 * certificate from a CA made here (openssl, temp folder). A cloud naming that CA signs in; the
 * same cloud without it is refused with a message naming the certificate problem; `verify:
 * false` is refused when the file is read, as cloudsConfig.ts documents (certificates are
 * always checked). The client is given the cloud's `cacert` file (path and PEM text), as the
 * shell does (src/shell/settings.ts cloudCertificates); a wrong `cacert` is named in the error.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudEntry, findClouds } from '../../../../src/core/api/cloudsConfig';
import { ApiError } from '../../../../src/core/api/errors';
import { HttpClient } from '../../../../src/core/api/http';
import { emptySignIn, IDENTITY_PROVIDERS } from '../../../../src/core/flows/identityProviders';
import { describeError } from '../../../../src/core/wording/errorText';
import { Emulator, startEmulator } from '../../../emulator/server';
import { makeTestCa, TestCa } from '../../../support/testCa';
import { rejection, tempDir } from '../../helpers/env';

const PASSWORD = 'tls-password-8e1';

describe('clouds.yaml cacert over TLS (the emulator on https://127.0.0.1)', function () {
  this.timeout(30_000);
  let ca: TestCa;
  let otherCa: TestCa;
  let emu: Emulator;
  let clouds: Map<string, CloudEntry>;
  let problems: string[];

  before(async () => {
    const dir = tempDir('skp-cacert-');
    ca = makeTestCa(dir);
    otherCa = makeTestCa(tempDir('skp-cacert-other-'));
    emu = await startEmulator({
      tls: { key: ca.key, cert: ca.cert },
      users: [{ username: 'demo', password: PASSWORD, tenantId: '123456' }],
      regions: ['RegionOne'],
    });
    assert.match(emu.keystoneUrl, /^https:\/\/127\.0\.0\.1:\d+\/identity$/);
    const auth = [
      '    auth:',
      `      auth_url: ${emu.keystoneUrl}/v3`,
      '      username: demo',
      `      password: ${PASSWORD}`,
      '      project_name: "123456"',
    ];
    fs.writeFileSync(
      path.join(dir, 'clouds.yaml'),
      [
        'clouds:',
        '  private-ca:',
        `    cacert: ${path.basename(ca.caFile)}`, // relative: to the clouds.yaml's folder
        ...auth,
        '  no-cacert:',
        ...auth,
        '  wrong-cacert:',
        `    cacert: ${otherCa.caFile}`,
        ...auth,
        '  insecure:',
        '    verify: false',
        ...auth,
        '',
      ].join('\n'),
    );
    const found = await findClouds({
      cwd: dir,
      home: tempDir('skp-cacert-home-'),
      etc: path.join(dir, 'etc'),
      env: {},
    });
    clouds = new Map(found.clouds.map((c) => [c.name, c]));
    problems = found.problems.map((p) => `${p.cloud}: ${p.message}`);
  });
  after(() => emu?.close());

  /** Signs in to `cloud` as Sign In does: the client trusts the cloud's cacert file when it names one. */
  async function signIn(cloud: CloudEntry) {
    const http = new HttpClient({
      retries: 0,
      ...(cloud.cacert
        ? { cloudCertificates: { path: cloud.cacert, pem: fs.readFileSync(cloud.cacert, 'utf8') } }
        : {}),
    });
    try {
      return await IDENTITY_PROVIDERS['openstack-config'].authenticate(
        http,
        { ...emptySignIn(), provider: 'openstack-config', cloud },
        new AbortController().signal,
      );
    } finally {
      await http.close();
    }
  }

  it('a cloud whose cacert names the CA signs in over https', async () => {
    const cloud = clouds.get('private-ca');
    assert.ok(cloud, 'the cloud is offered');
    assert.equal(cloud.cacert, ca.caFile, 'cacert resolved next to clouds.yaml');
    const session = await signIn(cloud);
    assert.match(session?.accountLabel ?? '', /^demo \(OpenStack 127\.0\.0\.1:\d+, project 123456\)$/);
    assert.deepEqual(session?.regions, [{ region: 'RegionOne', url: emu.computeUrl }]);
    assert.match(emu.computeUrl, /^https:/);
  });

  it('without cacert (verify by default) the sign-in is refused, naming the certificate problem', async () => {
    const cloud = clouds.get('no-cacert');
    assert.ok(cloud);
    const before = emu.requests.length;
    const err = await rejection(signIn(cloud), ApiError);
    assert.equal(err.kind, 'tls');
    const message = describeError(err).message;
    assert.match(message, /^A secure connection to 127\.0\.0\.1:\d+ could not be made \(/);
    assert.match(message, /certificate/i, message);
    assert.ok(!message.includes(PASSWORD));
    assert.equal(emu.requests.length, before, 'nothing reached the emulator: the password was never sent');
  });

  it('a cacert that holds another CA is refused, and the message names that cacert file, not settings', async () => {
    const cloud = clouds.get('wrong-cacert');
    assert.ok(cloud);
    assert.notEqual(otherCa.caFile, ca.caFile);
    const before = emu.requests.length;
    const err = await rejection(signIn(cloud), ApiError);
    assert.equal(err.kind, 'tls');
    const message = describeError(err).message;
    assert.ok(message.includes(`1 from the cloud's cacert (${otherCa.caFile})`), message);
    assert.doesNotMatch(message, /in settings/);
    assert.equal(emu.requests.length, before, 'nothing reached the emulator');
  });

  it('verify: false is not offered: the cloud is listed as unusable, saying to give cacert', () => {
    assert.equal(clouds.has('insecure'), false);
    assert.deepEqual(
      problems.filter((p) => p.startsWith('insecure:')).map((p) => p.replace(/ in \S+clouds\.yaml/, '')),
      [
        'insecure: Cloud "insecure": verify: false is not supported: certificates are always checked. Give the CA bundle as cacert instead.',
      ],
    );
  });
});
