/**
 * runSteps (src/core/ask/wizard.ts) and the provider registry (src/core/flows/identityProviders.ts), in
 * plain Node: a scripted UserInput answers the steps as a user would (text, picks, Back,
 * Escape); the registry's descriptors give the credentials and token URLs sign-in uses.
 */
import * as assert from 'node:assert/strict';
import type { Session as SignInResult } from '../../../../src/core/api/identity';
import {
  emptySignIn,
  IDENTITY_PROVIDERS,
  ProviderChoice,
  SignInState,
} from '../../../../src/core/flows/identityProviders';
import type { InputStep, PickStep, UserInput } from '../../../../src/shell/ui/userInput';
import { BACK, pickStep, runSteps, Step, textStep } from '../../../../src/core/ask/wizard';

type Answer = string | typeof BACK | undefined;

/** Answers each input/pick in turn; records what each step showed. */
function scripted(
  answers: Answer[],
): UserInput & { asked: Array<{ prompt: string; step?: number; totalSteps?: number; value?: string }> } {
  const queue = [...answers];
  const asked: Array<{ prompt: string; step?: number; totalSteps?: number; value?: string }> = [];
  const next = () => {
    assert.ok(queue.length > 0, 'an unexpected step');
    return queue.shift();
  };
  return {
    asked,
    async input(s: InputStep) {
      asked.push({ prompt: s.prompt, step: s.step, totalSteps: s.totalSteps, value: s.value });
      const answer = next();
      if (answer === undefined || answer === BACK) return answer;
      const problem = s.validate?.(answer);
      assert.equal(problem, undefined, `answer "${answer}" rejected`);
      const failed = await s.check?.(answer, new AbortController().signal);
      assert.equal(failed, undefined);
      return answer;
    },
    async pick<T>(s: PickStep<T>) {
      asked.push({ prompt: s.placeholder, step: s.step, totalSteps: s.totalSteps });
      const answer = next();
      if (answer === undefined || answer === BACK) return answer;
      const item = s.items.find((i) => i.label === answer);
      assert.ok(item, `no item "${answer}" in ${s.items.map((i) => i.label).join(', ')}`);
      return item.value;
    },
    pickMany: async () => assert.fail('no multi-select pick in these flows'),
    keyPairName: async () => undefined,
    refocusKeyPairName: () => false,
    saveDialog: async () => undefined,
    openDialog: async () => undefined,
  };
}

interface Host {
  alias: string;
  hostName: string;
  kind?: 'a' | 'b';
}

describe('runSteps (multi-step input with Back)', () => {
  const steps = (ui: UserInput): Array<Step<Host>> => [
    textStep<'alias' | 'hostName', Host>(ui, 'alias', { title: 't', prompt: 'alias' }),
    pickStep<'kind', 'a' | 'b', Host>(ui, 'kind', {
      title: 't',
      placeholder: 'kind',
      items: [
        { label: 'A', value: 'a' },
        { label: 'B', value: 'b' },
      ],
    }),
    textStep<'alias' | 'hostName', Host>(ui, 'hostName', { title: 't', prompt: 'host', default: 'example' }),
  ];

  it('writes each answer (trimmed) into the typed state, numbering the steps', async () => {
    const ui = scripted([' web ', 'B', '203.0.113.1']);
    const state: Host = { alias: '', hostName: '' };
    assert.equal(await runSteps(() => steps(ui), state), true);
    assert.deepEqual(state, { alias: 'web', hostName: '203.0.113.1', kind: 'b' });
    assert.deepEqual(
      ui.asked.map((a) => `${a.prompt} ${a.step}/${a.totalSteps}`),
      ['alias 1/3', 'kind 2/3', 'host 3/3'],
    );
    assert.equal(ui.asked[2]?.value, 'example', 'an empty field offers its default');
  });

  it('Back goes one step back with the answer kept; Back on the first step stays there', async () => {
    const ui = scripted([BACK, 'web', 'A', BACK, BACK, 'web2', 'A', 'h']);
    const state: Host = { alias: '', hostName: '' };
    assert.equal(await runSteps(() => steps(ui), state), true);
    assert.deepEqual(
      ui.asked.map((a) => a.prompt),
      ['alias', 'alias', 'kind', 'host', 'kind', 'alias', 'kind', 'host'],
    );
    assert.equal(ui.asked[5]?.value, 'web', 'back on the alias step shows the alias typed');
    assert.deepEqual(state, { alias: 'web2', hostName: 'h', kind: 'a' });
  });

  it('Escape cancels: false, and later steps are never asked', async () => {
    const ui = scripted(['web', undefined]);
    assert.equal(await runSteps(() => steps(ui), { alias: '', hostName: '' }), false);
    assert.equal(ui.asked.length, 2);
  });

  it('the steps may depend on the answers so far', async () => {
    const ui = scripted(['B', 'only-for-b']);
    const state: Host = { alias: '', hostName: '' };
    const dynamic = (s: Host): Array<Step<Host>> => [
      pickStep<'kind', 'a' | 'b', Host>(ui, 'kind', {
        title: 't',
        placeholder: 'kind',
        items: [
          { label: 'A', value: 'a' },
          { label: 'B', value: 'b' },
        ],
      }),
      ...(s.kind === 'b' ? [textStep<'alias' | 'hostName', Host>(ui, 'alias', { title: 't', prompt: 'b alias' })] : []),
    ];
    assert.equal(await runSteps(dynamic, state), true);
    assert.deepEqual(
      ui.asked.map((a) => `${a.prompt} ${a.totalSteps}`),
      ['kind 1', 'b alias 2'],
    );
  });
});

describe('identity provider registry', () => {
  const signedIn: SignInResult = {
    token: 't',
    expiresAt: 0,
    accountLabel: 'demo',
    regions: [{ region: 'ORD', url: 'http://127.0.0.1/v2' }],
  };

  it('has one descriptor per provider, under its own id, each with a label and secret fields', () => {
    const ids = Object.keys(IDENTITY_PROVIDERS) as ProviderChoice[];
    assert.deepEqual(ids, [
      'rackspace-us',
      'rackspace-uk',
      'rackspace-custom',
      'keystone',
      'openstack-config',
      'direct',
    ]);
    for (const id of ids) {
      const provider = IDENTITY_PROVIDERS[id];
      assert.equal(provider.id, id);
      assert.ok(provider.label.length > 0);
      assert.deepEqual(provider.secretFields, ['secret']);
    }
  });

  it('Rackspace US signs in at Rackspace, and says where in the user name step', () => {
    const state: SignInState = {
      ...emptySignIn(),
      provider: 'rackspace-us',
      method: 'apiKey',
      username: 'demo',
      secret: 'k',
    };
    const provider = IDENTITY_PROVIDERS['rackspace-us'];
    assert.equal(provider.tokenUrl(state), 'https://identity.api.rackspacecloud.com/v2.0/tokens');
    assert.deepEqual(provider.credentials(state), {
      provider: 'rackspace',
      identityUrl: 'https://identity.api.rackspacecloud.com/v2.0',
      username: 'demo',
      apiKey: 'k',
    });
    const prompts: string[] = [];
    const ui = scripted([]);
    ui.input = async (s) => {
      prompts.push(s.prompt);
      return undefined;
    };
    void runSteps(() => provider.steps(ui, state, async () => undefined).slice(1, 2), state);
    assert.match(prompts[0] ?? '', /^Rackspace user name \(signs in at identity\.api\.rackspacecloud\.com\)$/);
  });

  it('another Identity URL is asked for, used, and shown (no environment variable redirects sign-in)', async () => {
    process.env.KEYPAIRS_RACKSPACE_IDENTITY_URL = 'http://127.0.0.1:1/ignored';
    try {
      const ui = scripted(['http://127.0.0.1:5000/v2.0', 'Password', 'demo', 'pw']);
      const state: SignInState = { ...emptySignIn(), provider: 'rackspace-custom' };
      const provider = IDENTITY_PROVIDERS['rackspace-custom'];
      let checked: SignInState | undefined;
      const ok = await runSteps(
        (s) => provider.steps(ui, s, async (answers) => ((checked = { ...answers, result: signedIn }), undefined)),
        state,
      );
      assert.equal(ok, true);
      assert.equal(checked?.secret, 'pw', 'the check saw the answer of its own step');
      assert.match(ui.asked[2]?.prompt ?? '', /signs in at 127\.0\.0\.1:5000/);
      assert.equal(provider.tokenUrl(state), 'http://127.0.0.1:5000/v2.0/tokens');
      assert.deepEqual(provider.credentials(state), {
        provider: 'rackspace',
        identityUrl: 'http://127.0.0.1:5000/v2.0',
        username: 'demo',
        password: 'pw',
      });
    } finally {
      delete process.env.KEYPAIRS_RACKSPACE_IDENTITY_URL;
    }
  });

  it('Keystone: password and application credential credentials come from the answers', () => {
    const base: SignInState = {
      ...emptySignIn(),
      provider: 'keystone',
      identityUrl: 'https://keystone.example:5000',
      username: 'u',
      secret: 's',
      userDomain: 'Default',
      project: 'p',
      projectDomain: 'Default',
      appCredentialId: 'id',
    };
    const keystone = IDENTITY_PROVIDERS.keystone;
    assert.deepEqual(keystone.credentials({ ...base, method: 'password' }), {
      provider: 'keystone',
      authUrl: 'https://keystone.example:5000',
      interface: 'public',
      username: 'u',
      password: 's',
      userDomain: 'Default',
      project: 'p',
      projectDomain: 'Default',
    });
    assert.deepEqual(keystone.credentials({ ...base, method: 'appCredential' }), {
      provider: 'keystone',
      authUrl: 'https://keystone.example:5000',
      interface: 'public',
      applicationCredentialId: 'id',
      applicationCredentialSecret: 's',
    });
    assert.equal(keystone.tokenUrl(base), 'https://keystone.example:5000/v3/auth/tokens');
  });

  it('Direct keeps no account credentials', () => {
    assert.equal(
      IDENTITY_PROVIDERS.direct.credentials({ ...emptySignIn(), provider: 'direct', secret: 't' }),
      undefined,
    );
  });
});
