/**
 * In the real extension host: Sign In from a clouds.yaml (secure.yaml merged) in this host's
 * HOME (a temp folder) against the emulator's Keystone; the password read from the file goes
 * only to SecretStorage.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startEmulator } from '../../emulator/server';
import { makeTestCa } from '../../support/testCa';
import { Prompt, testing, useRecorder } from './harness';

const PASSWORD = 'demo-password';
const dir = path.join(os.homedir(), '.config', 'openstack');

describe('Sign In from clouds.yaml in the extension host', () => {
  const rec = useRecorder();
  beforeEach(async () => {
    await vscode.commands.executeCommand('keypairs.signOut');
    rec.reset();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'clouds.yaml'),
      [
        'clouds:',
        '  emulated:',
        '    region_name: IAD',
        '    auth:',
        `      auth_url: ${process.env.KEYPAIRS_EMULATOR}/identity/v3`,
        '      username: demo',
        '      project_name: "123456"',
        '      user_domain_name: Default',
        '      project_domain_id: default',
        '  broken:',
        '    auth_type: v3oidcpassword',
        '    auth:',
        '      auth_url: https://example.invalid/v3',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'secure.yaml'), `clouds:\n  emulated:\n    auth:\n      password: ${PASSWORD}\n`);
  });
  afterEach(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    // The suites after this one start signed out.
    await vscode.commands.executeCommand('keypairs.signOut');
  });

  it('offers the clouds found (and says why one cannot be used), signs in with the password from secure.yaml', async () => {
    const asked: Prompt[] = [];
    rec.answerPrompt = (p) => {
      asked.push(p);
      if (p.kind === 'pick' && /Where are your servers/.test(p.options.placeHolder ?? '')) {
        return p.items.find((i) => i.label === 'emulated');
      }
      if (p.kind === 'input') {
        assert.match(p.options.prompt ?? '', /Press Enter to sign in to cloud "emulated" as demo at 127\.0\.0\.1:\d+/);
        assert.equal(p.options.password, false, 'no secret is asked: the file has it');
        return '';
      }
      if (p.kind === 'pick' && /per region/.test(p.options.placeHolder ?? '')) {
        return p.items.find((i) => i.label === 'IAD');
      }
      return undefined;
    };
    const label = await vscode.commands.executeCommand<string>('keypairs.signIn');
    assert.match(label ?? '', /^demo \(OpenStack 127\.0\.0\.1:\d+, project 123456\)$/);

    const first = asked[0];
    assert.ok(first?.kind === 'pick');
    const emulated = first.items.find((i) => i.label === 'emulated');
    assert.equal(emulated?.description, `clouds.yaml: ${path.join(dir, 'clouds.yaml')}`);
    const broken = first.items.find((i) => i.label === 'broken');
    assert.equal(broken?.description, 'cannot be used');
    assert.match(broken?.detail ?? '', /the auth type "v3oidcpassword" is not supported/);
    assert.ok(
      first.items.some((i) => i.label === 'OpenStack (Keystone v3)'),
      'the other ways stay offered',
    );
    await rec.waitForMessage(/Key pairs go to region IAD/);

    const { services } = await testing();
    const stored = (await services.context.secrets.get('keypairs.credentials')) ?? '';
    assert.ok(stored.includes(PASSWORD), 'the password is kept in SecretStorage (to renew the token)');
    const seen = [
      JSON.stringify(vscode.workspace.getConfiguration('keypairs')),
      JSON.stringify(services.context.globalState.keys().map((k) => services.context.globalState.get(k))),
      ...rec.log,
      ...rec.messages.map((m) => m.message),
    ].join('\n');
    assert.ok(!seen.includes(PASSWORD), 'the password is nowhere else');
  });

  /** The cloud "emulated" of a clouds.yaml (its password is in secure.yaml), in `region`. */
  const emulatedCloud = (region: string): string[] => [
    '  emulated:',
    `    region_name: ${region}`,
    '    auth:',
    `      auth_url: ${process.env.KEYPAIRS_EMULATOR}/identity/v3`,
    '      username: demo',
    '      project_name: "123456"',
    '',
  ];

  it('OS_CLOUD preselects its cloud, and its region_name the region: Enter twice signs in there', async () => {
    fs.writeFileSync(
      path.join(dir, 'clouds.yaml'),
      [
        'clouds:',
        '  aaa-first:',
        '    auth:',
        '      auth_url: https://example.invalid/v3',
        '      username: nobody',
        '      project_name: p',
        ...emulatedCloud('IAD'),
      ].join('\n'),
    );
    process.env.OS_CLOUD = 'emulated';
    try {
      // The user presses Enter on what is highlighted (the password box is answered from secure.yaml).
      rec.answerPrompt = (p) => (p.kind === 'pick' ? p.active : p.kind === 'input' ? '' : undefined);
      const label = await vscode.commands.executeCommand<string>('keypairs.signIn');
      assert.match(label ?? '', /^demo \(OpenStack 127\.0\.0\.1:\d+, project 123456\)$/);
    } finally {
      delete process.env.OS_CLOUD;
    }
    const [clouds, , regions] = rec.prompts;
    assert.ok(clouds?.kind === 'pick' && regions?.kind === 'pick');
    assert.equal(clouds.items[0]?.label, 'aaa-first', 'not the first cloud…');
    assert.equal(clouds.active?.label, 'emulated', '…but the one OS_CLOUD names is highlighted');
    assert.deepEqual(
      regions.items.map((i) => i.label),
      ['DFW', 'IAD', 'ORD'],
    );
    assert.equal(regions.active?.label, 'IAD', "region_name's region is highlighted");
    assert.equal(regions.options.placeHolder, 'Key pairs are per region: where should they go?');
    await rec.waitForMessage(/Key pairs go to region IAD/);
    const { services } = await testing();
    assert.equal(services.account.profile()?.region, 'IAD');
    assert.match(services.targetLabel() ?? '', /^IAD · demo \(OpenStack/, 'what the status bar item names');
  });

  it('a region_name the catalog does not have is named in the region step, and the default is highlighted', async () => {
    fs.writeFileSync(path.join(dir, 'clouds.yaml'), ['clouds:', ...emulatedCloud('LON')].join('\n'));
    // The user picks the cloud, then presses Enter on what is highlighted.
    rec.answerPrompt = (p) =>
      p.kind === 'pick'
        ? (p.items.find((i) => i.label === 'emulated' && p.options.title !== 'Select Region') ?? p.active)
        : p.kind === 'input'
          ? ''
          : undefined;
    await vscode.commands.executeCommand<string>('keypairs.signIn');
    const regions = rec.prompts.find((p) => p.kind === 'pick' && p.options.title === 'Select Region');
    assert.ok(regions?.kind === 'pick', `a region step: ${rec.prompts.map((p) => p.options.title).join(', ')}`);
    assert.equal(regions.options.placeHolder, 'This account has no Compute region "LON": where should key pairs go?');
    assert.deepEqual(
      regions.items.map((i) => i.label),
      ['DFW', 'IAD', 'ORD'],
    );
    assert.notEqual(regions.active?.label, 'LON');
  });

  it("a cloud's cacert is trusted on VS Code's network route (https on 127.0.0.1, a test CA); without it the step names the certificate problem", async function () {
    this.timeout(60_000);
    const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skp-host-ca-'));
    const ca = makeTestCa(caDir);
    const emu = await startEmulator({
      tls: { key: ca.key, cert: ca.cert },
      users: [{ username: 'demo', password: PASSWORD, tenantId: '123456' }],
      regions: ['RegionOne'],
    });
    try {
      const auth = [
        '    auth:',
        `      auth_url: ${emu.keystoneUrl}/v3`,
        '      username: demo',
        '      project_name: "123456"',
      ];
      fs.writeFileSync(
        path.join(dir, 'clouds.yaml'),
        ['clouds:', '  with-ca:', `    cacert: ${ca.caFile}`, ...auth, '  without-ca:', ...auth, ''].join('\n'),
      );
      fs.writeFileSync(
        path.join(dir, 'secure.yaml'),
        [
          'clouds:',
          ...['with-ca', 'without-ca'].map((c) => `  ${c}:\n    auth:\n      password: ${PASSWORD}`),
          '',
        ].join('\n'),
      );
      const answers = (cloud: string, errors: string[]) => (p: Prompt) => {
        if (p.kind === 'pick') return p.items.find((i) => i.label === cloud);
        if (p.kind !== 'input') return undefined;
        if (p.step.error) {
          errors.push(p.step.error);
          return undefined; // read the step's error, then Escape
        }
        return '';
      };
      const refused: string[] = [];
      rec.answerPrompt = answers('without-ca', refused);
      assert.equal(await vscode.commands.executeCommand('keypairs.signIn'), undefined);
      assert.equal(refused.length, 1, 'the confirm step came back with an error');
      assert.match(refused[0] ?? '', /^A secure connection to 127\.0\.0\.1:\d+ could not be made \(.*certificate/i);
      assert.equal(emu.requests.length, 0, 'nothing was sent to the server');

      const none: string[] = [];
      rec.answerPrompt = answers('with-ca', none);
      const label = await vscode.commands.executeCommand<string>('keypairs.signIn');
      assert.deepEqual(none, []);
      assert.match(label ?? '', /^demo \(OpenStack 127\.0\.0\.1:\d+, project 123456\)$/);
      const { services } = await testing();
      assert.equal(services.account.profile()?.caFile, ca.caFile, 'the account keeps the CA file (a path, no secret)');
      const compute = await services.compute();
      assert.ok(typeof compute !== 'string');
      await compute.listPage({ limit: 1 });
      assert.ok(
        emu.requests.some((r) => r.method === 'GET' && r.path.endsWith('/os-keypairs')),
        'Compute over https too',
      );
    } finally {
      await emu.close();
      fs.rmSync(caDir, { recursive: true, force: true });
    }
  });
});
