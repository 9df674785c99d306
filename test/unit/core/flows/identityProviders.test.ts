/**
 * Manual Keystone sign-in (src/core/flows/identityProviders.ts): the project and the domains by
 * name or by id, the interface choice, the request bodies they make, and sign-in with them
 * against the emulator's Keystone. A scripted StepInput answers the steps as a user would.
 */
import * as assert from 'node:assert/strict';
import { keystoneAuthBody, KeystoneCredentials } from '../../../../src/core/api/identity';
import { BACK, InputStep, runSteps, StepInput, StepPick } from '../../../../src/core/ask/wizard';
import {
  emptySignIn,
  IDENTITY_PROVIDERS,
  keystoneCredentials,
  SignInState,
} from '../../../../src/core/flows/identityProviders';
import { testHttp, useEmulator } from '../../helpers/env';

const EVE = {
  username: 'eve',
  userId: 'eve-id',
  password: 'eve-password-51c',
  tenantId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  domain: 'Engineering',
  project: 'eve-project',
};

/** What a step showed, and the problem its validation gave for a rejected answer. */
interface Asked {
  kind: 'input' | 'pick';
  text: string;
  value?: string;
  items?: string[];
  active?: unknown;
  rejected?: string;
}

/**
 * Answers each step from `answers` in turn: text for a box (an answer the box's validation
 * refuses is recorded as `rejected`, and the next answer is typed in the same box), an item's
 * label for a pick, BACK.
 */
function scripted(answers: Array<string | typeof BACK>): StepInput & { asked: Asked[] } {
  const queue = [...answers];
  const asked: Asked[] = [];
  const next = () => {
    assert.ok(queue.length > 0, `an unexpected step after ${JSON.stringify(asked.at(-1))}`);
    return queue.shift() as string;
  };
  return {
    asked,
    async input(s: InputStep) {
      const seen: Asked = { kind: 'input', text: s.prompt, value: s.value };
      asked.push(seen);
      for (;;) {
        const answer = next();
        if (answer === BACK) return BACK;
        const problem = s.validate?.(answer);
        if (problem) {
          seen.rejected = problem;
          continue;
        }
        const failed = await s.check?.(answer, new AbortController().signal);
        assert.equal(failed, undefined, 'signing in failed');
        return answer;
      }
    },
    async pick<T>(s: StepPick<T>) {
      asked.push({ kind: 'pick', text: s.placeholder, items: s.items.map((i) => i.label), active: s.active });
      const answer = next();
      if (answer === BACK) return BACK;
      const item = s.items.find((i) => i.label === answer);
      assert.ok(item, `no item "${answer}" in ${s.items.map((i) => i.label).join(', ')}`);
      return item.value;
    },
  };
}

const keystone = IDENTITY_PROVIDERS.keystone;

describe('manual Keystone sign-in: names or ids, and the interface', () => {
  const ctx = useEmulator({ users: [EVE], regions: ['RegionOne', 'RegionTwo'] });

  /** Runs the Keystone steps (after the provider pick) with `answers`; signs in on the last one. */
  async function run(answers: Array<string | typeof BACK>) {
    const state: SignInState = { ...emptySignIn(), provider: 'keystone' };
    const ui = scripted(answers);
    const http = testHttp();
    const check = async (s: SignInState, signal: AbortSignal) => {
      s.result = await keystone.authenticate(http, s, signal);
      return undefined;
    };
    assert.equal(await runSteps((s) => keystone.steps(ui, s, check), state), true);
    return { state, asked: ui.asked, http };
  }

  it('request bodies: ids give {id} (a project id without a domain), names give {name, domain}', () => {
    const base: SignInState = {
      ...emptySignIn(),
      provider: 'keystone',
      method: 'password',
      identityUrl: 'https://keystone.example:5000',
      username: 'eve',
      secret: 'pw',
    };
    const body = (over: Partial<SignInState>) =>
      keystoneAuthBody(keystoneCredentials({ ...base, ...over }) as KeystoneCredentials);
    assert.deepEqual(body({ userDomain: 'Engineering', project: 'eve-project', projectDomain: 'Engineering' }), {
      identity: {
        methods: ['password'],
        password: { user: { name: 'eve', domain: { name: 'Engineering' }, password: 'pw' } },
      },
      scope: { project: { name: 'eve-project', domain: { name: 'Engineering' } } },
    });
    assert.deepEqual(
      body({
        userDomainBy: 'id',
        userDomain: 'engineering',
        projectBy: 'id',
        project: 'p-1',
        projectDomain: 'ignored',
      }),
      {
        identity: {
          methods: ['password'],
          password: { user: { name: 'eve', domain: { id: 'engineering' }, password: 'pw' } },
        },
        scope: { project: { id: 'p-1' } },
      },
    );
    assert.deepEqual(
      body({ project: 'eve-project', projectDomainBy: 'id', projectDomain: 'engineering', userDomain: 'Engineering' })
        .scope,
      { project: { name: 'eve-project', domain: { id: 'engineering' } } },
    );
    assert.equal(keystoneCredentials({ ...base, interface: 'internal' }).provider, 'keystone');
    assert.equal(
      (keystoneCredentials({ ...base, interface: 'internal' }) as { interface?: string }).interface,
      'internal',
    );
    assert.equal((keystoneCredentials(base) as { interface?: string }).interface, 'public', 'public by default');
  });

  it('by ids and internal: the steps name the OS_* variables, no project domain is asked, the internal endpoints are used', async () => {
    const { state, asked, http } = await run([
      ctx.emu.keystoneUrl,
      'Password',
      'eve',
      'By ID',
      'engineering',
      'By ID',
      'eve project', // refused inline: an id is one word
      EVE.tenantId,
      'internal',
      EVE.password,
    ]);
    assert.deepEqual(
      asked.map((a) => a.text),
      [
        'Keystone auth URL (OS_AUTH_URL)',
        'Sign in with',
        'User name (OS_USERNAME)',
        "The user's domain: by name or by ID?",
        'User domain ID (OS_USER_DOMAIN_ID)',
        'The project: by name or by ID?',
        'Project ID (OS_PROJECT_ID); no domain needed',
        'Which Compute endpoints of the catalog (OS_INTERFACE)?',
        'Password',
      ],
    );
    assert.equal(asked[4]?.value, 'default', 'the default domain id is offered');
    assert.equal(asked[6]?.rejected, 'The project ID has no spaces or line breaks.');
    const iface = asked[7];
    assert.deepEqual(iface?.items, ['public', 'internal', 'admin']);
    assert.equal(iface?.active, 'public', 'public is preselected');

    const post = ctx.emu.requests.find((r) => r.method === 'POST' && r.path.endsWith('/auth/tokens'));
    const sent = JSON.parse(post?.body ?? '{}').auth;
    assert.deepEqual(sent.scope, { project: { id: EVE.tenantId } });
    // (The user part is redacted in the emulator's log; eve is found only in domain id `engineering`.)
    assert.equal(state.result?.accountLabel, `eve (OpenStack ${new URL(ctx.emu.url).host}, project eve-project)`);
    assert.deepEqual(state.result?.regions, [
      { region: 'RegionOne', url: `${ctx.emu.computeUrl}/${EVE.tenantId}` },
      { region: 'RegionTwo', url: `${ctx.emu.computeUrl}/${EVE.tenantId}` },
    ]);
    assert.ok(!http.lines.join('\n').includes(EVE.password), 'the password is not logged');
  });

  it('by names (the project domain by id), public: the public endpoints', async () => {
    const { state, asked } = await run([
      ctx.emu.keystoneUrl,
      'Password',
      'eve',
      'By name',
      'Engineering',
      'By name',
      'eve-project',
      'By ID',
      'engineering',
      'public',
      EVE.password,
    ]);
    assert.equal(asked[4]?.value, 'Default');
    assert.equal(asked[8]?.text, 'Project domain ID (OS_PROJECT_DOMAIN_ID)');
    assert.deepEqual(
      state.result?.regions.map((r) => r.url),
      [ctx.emu.computeUrl, ctx.emu.computeUrl],
    );
  });

  it('going back and switching from name to id empties the box (a name is no id)', async () => {
    const { asked } = await run([
      ctx.emu.keystoneUrl,
      'Password',
      'eve',
      'By name',
      'Engineering',
      BACK, // the project pick → back to the user domain box
      BACK, // → back to its pick
      'By ID',
      'engineering',
      'By ID',
      EVE.tenantId,
      'public',
      EVE.password,
    ]);
    const domainBoxes = asked.filter((a) => a.kind === 'input' && /User domain/.test(a.text));
    assert.deepEqual(
      domainBoxes.map((a) => [a.text, a.value]),
      [
        ['User domain name (OS_USER_DOMAIN_NAME)', 'Default'],
        ['User domain name (OS_USER_DOMAIN_NAME)', 'Engineering'],
        ['User domain ID (OS_USER_DOMAIN_ID)', 'default'],
      ],
    );
  });
});
