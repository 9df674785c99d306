/**
 * In the real extension host: Sign In (Rackspace via the emulator's Identity v2.0, and
 * Keystone v3), regions, create in the chosen region, Sign Out removing every secret, and
 * a scan of settings, globalState, the log and every message for the secrets used.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CreateKeyPairResult } from '../../../src/core/flows/createKeyPair';
import { KeyPairsAuthProvider } from '../../../src/shell/authProvider';
import { must } from '../../support/must';
import { emulator, Prompt, testing, useRecorder, whenLoaded } from './harness';

const BACK = '\u0000back';
const API_KEY = 'demo-api-key';
const PASSWORD = 'demo-password';

const readSecret = async (key: string) => (await testing()).services.context.secrets.get(key);
const globalState = async () => {
  const { globalState: state } = (await testing()).services.context;
  return Object.fromEntries(state.keys().map((k) => [k, state.get(k)]));
};

/** Answers the wizard's steps by their prompt text (input) or placeholder (pick). */
function script(answers: Array<[RegExp, string]>): (p: Prompt) => unknown {
  const queue = [...answers];
  return (p) => {
    const text = p.kind === 'input' ? (p.options.prompt ?? '') : p.kind === 'pick' ? (p.options.placeHolder ?? '') : '';
    const next = queue[0];
    assert.ok(next, `unexpected prompt "${text}"`);
    assert.match(text, next[0], `step asks "${text}"`);
    queue.shift();
    if (p.kind === 'pick' && next[1] !== BACK) {
      const item = p.items.find((i) => i.label === next[1]);
      assert.ok(item, `no item "${next[1]}" in ${p.items.map((i) => i.label).join(', ')}`);
      return item;
    }
    return next[1];
  };
}

describe('Sign In in the extension host', () => {
  const rec = useRecorder();
  beforeEach(async () => {
    await vscode.commands.executeCommand('keypairs.signOut');
    rec.reset();
  });

  const rackspace = (secret = API_KEY, region = 'ORD') =>
    script([
      [/Where are your servers/, 'Rackspace: another Identity URL'],
      [/Rackspace Identity v2\.0 URL/, emulator.identityUrl],
      [/Sign in with/, 'API key'],
      [/Rackspace user name \(signs in at 127\.0\.0\.1:\d+\)/, 'demo'],
      [/API key/, secret],
      [/per region/, region],
    ]);

  it('signs in with a Rackspace API key, picks a region from the catalog, creates there', async () => {
    rec.answerPrompt = rackspace();
    const label = await vscode.commands.executeCommand<string>('keypairs.signIn');
    assert.equal(label, 'demo (Rackspace, tenant 123456)');
    const regionPick = rec.prompts.find((p) => p.kind === 'pick' && /per region/.test(p.options.placeHolder ?? ''));
    assert.ok(regionPick?.kind === 'pick');
    assert.deepEqual(
      regionPick.items.map((i) => i.label),
      ['DFW', 'IAD', 'ORD'],
      'regions of cloudServersOpenStack only',
    );
    assert.equal(regionPick.items.find((i) => i.label === 'DFW')?.description, 'default');
    await rec.waitForMessage(/Signed in as demo \(Rackspace, tenant 123456\)\. Key pairs go to region ORD/);

    rec.answerPrompt = () => undefined;
    const running = vscode.commands.executeCommand<CreateKeyPairResult>('keypairs.create');
    const box = await rec.nextNameInput();
    await whenLoaded(box);
    box.typed('in ord');
    box.accept();
    assert.equal(box.box.title, 'Create Server Key Pair in ORD');
    const created = await running;
    assert.ok(created);
    await rec.waitForMessage(/^Key pair "in ord" created in ORD \(/);
    const state = await emulator.state();
    const scopes = must(Object.values(state.keypairs)[0], 'the key pairs of the one account');
    assert.deepEqual(
      scopes.ORD?.map((k) => k.name),
      ['in ord'],
    );
    assert.equal(scopes.DFW, undefined);
    const tokensCalls = (await emulator.requests()).filter((r) => r.path === '/v2.0/tokens');
    assert.equal(tokensCalls.length, 1, 'one sign-in: the token is reused');
  });

  it('the Accounts menu session is opaque: never the cloud token', async () => {
    rec.answerPrompt = rackspace();
    await vscode.commands.executeCommand('keypairs.signIn');
    const stored = JSON.parse((await readSecret('keypairs.session')) ?? '{}') as { token?: string };
    assert.ok(stored.token, 'signed in with a token');
    // What VS Code hands to an extension that asks for this provider's session.
    const [session] = await new KeyPairsAuthProvider((await testing()).services).getSessions();
    assert.ok(session, 'the account is in the Accounts menu');
    assert.equal(session.account.label, 'demo (Rackspace, tenant 123456) · ORD');
    const handedOut = JSON.stringify(session);
    assert.ok(!handedOut.includes(stored.token), 'the token is not handed out');
    assert.ok(!handedOut.includes(API_KEY), 'nor the API key');
    assert.match(session.accessToken, /^[0-9a-f-]{36}$/, 'a random id');
  });

  it('a command that fails shows its error through the extension (with Sign In), not as a rejected command', async () => {
    rec.answerPrompt = rackspace();
    await vscode.commands.executeCommand('keypairs.signIn');
    // The stored sign-in and credentials are gone (e.g. the keychain was reset).
    const { secrets } = (await testing()).services.context;
    await secrets.delete('keypairs.session');
    await secrets.delete('keypairs.credentials');
    (await testing()).services.targetChanged();
    rec.answerPrompt = () => assert.fail('no region pick without a sign-in');
    assert.equal(await vscode.commands.executeCommand('keypairs.selectRegion'), undefined, 'the command resolves');
    const m = await rec.waitForMessage(/Not signed in/);
    assert.equal(m.severity, 'error');
    assert.deepEqual(m.actions, ['Sign In']);
  });

  it('Select Region switches where key pairs go', async () => {
    rec.answerPrompt = rackspace();
    await vscode.commands.executeCommand('keypairs.signIn');
    rec.answerPrompt = script([[/per region/, 'IAD']]);
    assert.equal(await vscode.commands.executeCommand('keypairs.selectRegion'), 'IAD');
    await rec.waitForMessage(/now go to region IAD/);
  });

  it('a wrong API key is an inline error on the last step, and nothing is saved', async () => {
    const answers = rackspace('wrong-key');
    let shownError: string | undefined;
    rec.answerPrompt = (p) => {
      const error = p.kind === 'input' ? p.step?.error : undefined;
      if (error) {
        // The step came back after the failed sign-in: read its error, then cancel.
        shownError = error;
        return undefined;
      }
      return answers(p);
    };
    assert.equal(await vscode.commands.executeCommand('keypairs.signIn'), undefined);
    assert.equal(shownError, 'Rackspace did not accept the username or API key.');
    assert.ok(!(shownError ?? '').includes('wrong-key'));
    assert.equal(await readSecret('keypairs.credentials'), undefined, 'no broken account saved');
  });

  it('password sign-in on an MFA account says to use an API key', async () => {
    await emulator.options({ users: [{ username: 'mfa', password: 'pw', apiKey: 'k', tenantId: '9', mfa: true }] });
    let shownError: string | undefined;
    const answers = script([
      [/Where are your servers/, 'Rackspace: another Identity URL'],
      [/Rackspace Identity v2\.0 URL/, emulator.identityUrl],
      [/Sign in with/, 'Password'],
      [/Rackspace user name/, 'mfa'],
      [/Password/, 'pw'],
    ]);
    rec.answerPrompt = (p) => {
      if (p.kind === 'input' && /Password/.test(p.options.prompt ?? '') && p.step?.error) {
        shownError = p.step.error;
        return undefined;
      }
      return answers(p);
    };
    await vscode.commands.executeCommand('keypairs.signIn');
    assert.match(shownError ?? '', /API key/);
  });

  it('Back returns to the previous step', async () => {
    rec.answerPrompt = script([
      [/Where are your servers/, 'Rackspace (UK)'],
      [/Sign in with/, BACK],
      [/Where are your servers/, 'OpenStack (Keystone v3)'],
      [/auth URL/, `${process.env.KEYPAIRS_EMULATOR}/identity`],
      [/Sign in with/, 'Password'],
      [/User name/, 'demo'],
      [/user's domain: by name or by ID/, 'By name'],
      [/User domain name/, 'Default'],
      [/project: by name or by ID/, 'By name'],
      [/Project name/, '123456'],
      [/project's domain: by name or by ID/, 'By name'],
      [/Project domain name/, 'Default'],
      [/OS_INTERFACE/, 'public'],
      [/Password/, PASSWORD],
      [/per region/, 'ORD'],
    ]);
    const label = await vscode.commands.executeCommand<string>('keypairs.signIn');
    assert.match(label ?? '', /^demo \(OpenStack 127\.0\.0\.1:\d+, project 123456\)$/);
  });

  it('Keystone by ids (user domain, project) and the internal interface: Compute is reached at the internal endpoint', async () => {
    const eve = {
      username: 'eve',
      password: 'eve-pw-2a9',
      tenantId: '9f8e7d6c',
      domain: 'Engineering',
      project: 'eve-project',
    };
    await emulator.options({ users: [eve] });
    rec.answerPrompt = script([
      [/Where are your servers/, 'OpenStack (Keystone v3)'],
      [/auth URL/, `${process.env.KEYPAIRS_EMULATOR}/identity`],
      [/Sign in with/, 'Password'],
      [/User name/, 'eve'],
      [/user's domain: by name or by ID/, 'By ID'],
      [/User domain ID \(OS_USER_DOMAIN_ID\)/, 'engineering'],
      [/project: by name or by ID/, 'By ID'],
      [/Project ID \(OS_PROJECT_ID\)/, eve.tenantId],
      [/OS_INTERFACE/, 'internal'],
      [/Password/, eve.password],
      [/per region/, 'IAD'],
    ]);
    const label = await vscode.commands.executeCommand<string>('keypairs.signIn');
    assert.match(label ?? '', /^eve \(OpenStack 127\.0\.0\.1:\d+, project eve-project\)$/);
    const ifacePick = rec.prompts.find((p) => p.kind === 'pick' && /OS_INTERFACE/.test(p.options.placeHolder ?? ''));
    assert.ok(ifacePick?.kind === 'pick');
    assert.deepEqual(
      ifacePick.items.map((i) => i.label),
      ['public', 'internal', 'admin'],
    );
    assert.equal(ifacePick.active?.label, 'public', 'public is preselected');
    const regionPick = rec.prompts.find((p) => p.kind === 'pick' && /per region/.test(p.options.placeHolder ?? ''));
    assert.ok(regionPick?.kind === 'pick');
    assert.match(regionPick.items[0]?.detail ?? '', new RegExp(`/v2\\.1/${eve.tenantId}$`), 'the internal endpoints');
    await rec.waitForMessage(/Signed in as eve .*Key pairs go to region IAD/);

    const { services } = await testing();
    const compute = await services.compute();
    assert.ok(typeof compute !== 'string', 'signed in');
    await compute.listPage({ limit: 1 });
    const lists = (await emulator.requests()).filter((r) => r.method === 'GET' && r.path.endsWith('/os-keypairs'));
    assert.deepEqual(
      lists.map((r) => r.path),
      [`/v2.1/${eve.tenantId}/os-keypairs`],
    );
    const profile = JSON.stringify(services.account.profile());
    assert.ok(!profile.includes(eve.password), 'the profile keeps no secret');
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('keypairs')).includes(eve.password));
  });

  it('Sign Out removes every secret; no secret ever reaches settings, globalState, the log or a message', async () => {
    rec.answerPrompt = rackspace();
    await vscode.commands.executeCommand('keypairs.signIn');
    const session = JSON.parse((await readSecret('keypairs.session')) ?? '{}');
    assert.ok(session.token, 'the token is in SecretStorage');
    const secrets = [API_KEY, PASSWORD, session.token as string];

    const seen = [
      JSON.stringify(vscode.workspace.getConfiguration('keypairs')),
      JSON.stringify(await globalState()),
      ...rec.log,
      ...rec.messages.map((m) => m.message),
    ].join('\n');
    for (const s of secrets) assert.ok(!seen.includes(s), 'a secret leaked');
    assert.ok(rec.log.length > 0 && rec.messages.length > 0, 'there was something to scan');

    await vscode.commands.executeCommand('keypairs.signOut');
    for (const key of ['keypairs.credentials', 'keypairs.session', 'keypairs.apiToken']) {
      assert.equal(await readSecret(key), undefined, `${key} removed`);
    }
    assert.deepEqual(await globalState(), {}, 'no account left in globalState');
    await rec.waitForMessage(/Signed out of demo/);
  });
});
