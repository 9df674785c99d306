// Rotate's decisions that moved out of the command (src/core/flows/rotate): which servers are
// offered and as which user (emulator over real HTTP, real config files), the server pick as a
// runSteps step, the new pair's passphrase steps, and what the final question and the closing
// messages say. Plain Node: a scripted StepInput stands for the shell's UserInput.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { passphraseSteps, PassphraseState } from '../../../../src/core/ask/passphrase';
import {
  BACK,
  Back,
  InputStep,
  PickManyAnswer,
  runSteps,
  StepInputMany,
  StepPick,
  StepPickMany,
} from '../../../../src/core/ask/wizard';
import {
  CONTINUE,
  configuredUsers,
  decisionOf,
  DELETE_OLD_PAIR,
  DELETE_OLD_PAIR_AND_FILE,
  deleteOldQuestion,
  RotateKeyPairResult,
  RotationServer,
  RotationSummary,
  rotationCandidates,
  rotationOutcome,
  serverPickState,
  serverPickStep,
  serversNotChosen,
} from '../../../../src/core/flows/rotate';
import { compute, tempDir, useEmulator } from '../../helpers/env';

type Asked = { kind: 'input'; step: InputStep } | { kind: 'pickMany'; step: StepPickMany<string> };

/** A StepInput that records each question and answers from a script (undefined: Escape). */
function scripted(answers: Array<(asked: Asked) => unknown>): StepInputMany & { asked: Asked[] } {
  const asked: Asked[] = [];
  const next = (a: Asked) => {
    asked.push(a);
    const answer = answers.shift();
    assert.ok(answer, `no answer scripted for ${JSON.stringify(a.step)}`);
    return Promise.resolve(answer(a));
  };
  return {
    asked,
    input: (step: InputStep) => next({ kind: 'input', step }) as Promise<string | Back | undefined>,
    pick: <T>(step: StepPick<T>) => Promise.reject<T>(new Error(`unexpected pick ${step.title}`)),
    pickMany: <T>(step: StepPickMany<T>) =>
      next({ kind: 'pickMany', step: step as unknown as StepPickMany<string> }) as Promise<
        PickManyAnswer<T> | Back | undefined
      >,
  };
}

const server = (id: string, user: string): RotationServer => ({
  id,
  name: `srv-${id}`,
  target: { host: `10.0.0.${id}`, user },
});

describe('rotate flow decisions (core/flows/rotate)', function () {
  this.timeout(30_000);

  describe('configuredUsers', () => {
    it('gives the User of the config entries that use the key, by lower-cased HostName; an unreadable file tells nothing', async () => {
      const dir = tempDir('skp-rotate-users-');
      const key = path.join(dir, 'id_old');
      const config = path.join(dir, 'config');
      fs.writeFileSync(
        config,
        `Host web\n  HostName 203.0.113.7\n  User deploy\n  IdentityFile ${key}\n\n` +
          `Host other\n  HostName 203.0.113.8\n  User someone\n  IdentityFile ${path.join(dir, 'id_else')}\n`,
      );
      const warned: string[] = [];
      const users = await configuredUsers([dir, config], key, dir, (l) => warned.push(l));
      assert.deepEqual([...users], [['203.0.113.7', 'deploy']]);
      assert.equal(warned.length, 1, 'the folder given as a file was not read');
      assert.match(warned[0] ?? '', /could not read/);
    });
  });

  describe('rotationCandidates (emulator)', () => {
    const ctx = useEmulator();

    it('offers the servers of the key at their best address: the configured user first, then the image guess; no address: unreachable', async () => {
      const known = await ctx.emu.createServer({ name: 'known', keyName: 'old', image: { osDistro: 'debian' } });
      await ctx.emu.createServer({ name: 'guessed', keyName: 'old', image: { osDistro: 'ubuntu' } });
      await ctx.emu.createServer({ name: 'mystery', keyName: 'old', image: 'volume' });
      await ctx.emu.createServer({ name: 'nowhere', keyName: 'old', addresses: {}, accessIPv4: '', accessIPv6: '' });
      await ctx.emu.createServer({ name: 'elsewhere', keyName: 'another' });
      const c = compute(ctx.emu.computeUrl);
      const first = await rotationCandidates(c, 'old', { known: new Map(), provider: 'keystone' });
      const knownIp = first.usable.find((s) => s.id === known.id)?.target.host ?? '';
      const found = await rotationCandidates(c, 'old', { known: new Map([[knownIp, 'admin']]), provider: 'keystone' });
      const users = Object.fromEntries(found.usable.map((s) => [s.name, s.target.user]));
      assert.deepEqual(users, { known: 'admin', guessed: 'ubuntu', mystery: '' });
      assert.deepEqual(found.unreachable, ['nowhere']);
      assert.ok(found.usable.every((s) => s.address?.ip === s.target.host));
      const rackspace = await rotationCandidates(c, 'old', { known: new Map(), provider: 'rackspace-us' });
      assert.deepEqual(
        rackspace.usable.map((s) => s.target.user),
        ['root', 'root', 'root'],
        'Rackspace images log in as root',
      );
    });

    it('serversNotChosen: the unchecked servers, then those without an address', () => {
      const candidates = { usable: [server('1', 'a'), server('2', 'b'), server('3', '')], unreachable: ['gone'] };
      assert.deepEqual(serversNotChosen(candidates, [server('2', 'b')]), ['srv-1', 'srv-3', 'gone']);
    });
  });

  describe('serverPickStep', () => {
    const usable = [server('1', 'ubuntu'), server('2', '')];

    it('starts with the servers of known users checked; Edit asks the user and comes back with the checks kept', async () => {
      const ui = scripted([
        (a) => {
          assert.equal(a.kind, 'pickMany');
          const items = a.kind === 'pickMany' ? a.step.items : [];
          assert.deepEqual(
            items.map((i) => [i.label, i.picked, i.detail]),
            [
              ['srv-1', true, undefined],
              ['srv-2', false, 'Login user unknown: use the Edit button to set it.'],
            ],
          );
          assert.equal(a.kind === 'pickMany' ? a.step.step : -1, undefined, 'a single step shows no 1/1');
          return { selected: ['1'], pressed: '2' };
        },
        (a) => {
          assert.equal(a.kind === 'input' ? a.step.prompt : '', 'User to log in as on srv-2 (10.0.0.2)');
          assert.equal(a.kind === 'input' ? a.step.validate?.('') : '', 'Enter the user to log in as.');
          return ' centos ';
        },
        (a) => {
          const items = a.kind === 'pickMany' ? a.step.items : [];
          assert.deepEqual(
            items.map((i) => [i.picked, i.description]),
            [
              [true, 'ubuntu@10.0.0.1'],
              [false, 'centos@10.0.0.2'],
            ],
          );
          return { selected: ['1', '2'] };
        },
      ]);
      const state = serverPickState(usable);
      assert.equal(await runSteps(() => [serverPickStep(ui, usable, 'Rotate')], state), true);
      assert.deepEqual(
        state.chosen?.map((s) => `${s.target.user}@${s.target.host}`),
        ['ubuntu@10.0.0.1', 'centos@10.0.0.2'],
      );
    });

    it('asks for the user of a server checked without one before accepting; Escape there goes back to the pick', async () => {
      const ui = scripted([
        () => ({ selected: ['2'] }),
        () => undefined, // Escape in the user box: back to the pick, nothing chosen
        (a) => {
          assert.deepEqual(a.kind === 'pickMany' ? a.step.items.map((i) => i.picked) : [], [false, true]);
          return { selected: ['2'] };
        },
        () => 'root',
      ]);
      const state = serverPickState(usable);
      assert.equal(await runSteps(() => [serverPickStep(ui, usable, 'Rotate')], state), true);
      assert.equal(ui.asked.length, 4);
      assert.deepEqual(
        state.chosen?.map((s) => s.target.user),
        ['root'],
      );
    });

    it('Escape in the pick cancels', async () => {
      const state = serverPickState(usable);
      assert.equal(await runSteps(() => [serverPickStep(scripted([() => undefined]), usable, 'T')], state), false);
      assert.equal(state.chosen, undefined);
    });
  });

  describe('passphraseSteps', () => {
    it('types the passphrase twice; a second answer that is only its start goes back to the first box', async () => {
      const ui = scripted([() => 'secret', () => 'sec', () => 'secret2', () => BACK, () => 'final', () => 'final']);
      const state: PassphraseState = {};
      assert.equal(await runSteps((s) => passphraseSteps(ui, 'Create', s), state), true);
      assert.equal(state.passphrase, 'final');
      const prompts = ui.asked.map((a) =>
        a.kind === 'input' ? `${a.step.prompt} ${a.step.step}/${a.step.totalSteps}` : '',
      );
      assert.equal(prompts.length, 6);
      assert.match(prompts[1] ?? '', /^Type the passphrase again 2\/2$/);
      const again = ui.asked[1];
      assert.equal(again?.kind === 'input' ? again.step.validate?.('x') : '', 'The passphrases do not match.');
      assert.ok(ui.asked.every((a) => a.kind === 'input' && a.step.password));
    });

    it('an empty passphrase means none: no second box', async () => {
      const ui = scripted([() => '']);
      const state: PassphraseState = {};
      assert.equal(await runSteps((s) => passphraseSteps(ui, 'Create', s), state), true);
      assert.equal(state.passphrase, '');
      assert.equal(ui.asked.length, 1);
    });
  });

  describe('the final question and the closing messages', () => {
    const summary = (over: Partial<RotationSummary> = {}): RotationSummary => ({
      oldPair: { name: 'old', privatePath: '/k/old', publicKey: 'ssh-ed25519 AAAA' },
      newPair: { name: 'new', privatePath: '/k/new', publicKey: 'ssh-ed25519 BBBB' },
      servers: [],
      serversNotChosen: [],
      stillUsingOldKey: [],
      configFailures: [],
      oldFiles: ['/k/old', '/k/old.pub'],
      choices: { offered: ['delete-pair', 'delete-pair-and-private-key'], withheld: [] },
      ...over,
    });

    it('offers the deletions by id and asks to delete from the region; the button picked is its decision', () => {
      const q = deleteOldQuestion(summary({ serversNotChosen: ['db'] }), 'DFW');
      assert.equal(q.severity, 'info');
      assert.equal(
        q.message,
        'Key pair "old" was replaced by "new" in region DFW. Delete the old key pair "old" from region DFW?',
      );
      assert.deepEqual(
        q.buttons.map((b) => b.label),
        [DELETE_OLD_PAIR, DELETE_OLD_PAIR_AND_FILE],
      );
      assert.match(q.detail, /No servers were updated\.\nNot chosen \(still use the old key\): db/);
      assert.match(q.detail, /also deletes: \/k\/old, \/k\/old\.pub/);
      assert.equal(decisionOf(q, DELETE_OLD_PAIR_AND_FILE), 'delete-pair-and-private-key');
      assert.equal(decisionOf(q, undefined), 'keep');
      assert.equal(decisionOf(q, CONTINUE), 'keep', 'a button that is not offered keeps');
    });

    it('a server that may still accept the old key: a warning that keeps the old pair, no buttons', () => {
      const s = server('1', 'root');
      const q = deleteOldQuestion(
        summary({
          servers: [
            {
              server: s,
              reachedAs: s.target,
              configChanges: [],
              result: { error: { step: 'revoke', kind: 'still-accepted', message: 'still accepted.' } },
            } as unknown as RotationSummary['servers'][number],
          ],
          choices: { offered: [], withheld: [] },
        }),
        undefined,
      );
      assert.equal(q.severity, 'warning');
      assert.match(q.message, /the old key may still log in to srv-1\. The old key pair is kept\./);
      assert.match(q.detail, /✗ srv-1 \(root@10\.0\.0\.1\): NOT revoked: the old key is still accepted\./);
      assert.deepEqual(q.buttons, []);
    });

    it('rotationOutcome: a failed deletion alone, else how many servers moved and what became of the old pair', () => {
      const result = (over: Partial<RotateKeyPairResult>): RotateKeyPairResult => ({
        ...summary(),
        decision: 'delete-pair',
        oldPairDeleted: true,
        oldFilesDeleted: false,
        ...over,
      });
      assert.deepEqual(rotationOutcome(result({ deleteError: 'HTTP 500' })), [
        { severity: 'error', message: 'Deleting the old key pair "old" failed: HTTP 500' },
      ]);
      assert.deepEqual(rotationOutcome(result({})), [
        {
          severity: 'info',
          message:
            'Rotated to "new": 0 of 0 servers updated. The old key pair "old" was deleted; its private key file was kept.',
        },
      ]);
      assert.match(
        rotationOutcome(result({ decision: 'keep' }))[0]?.message ?? '',
        /The old key pair "old" was kept\.$/,
      );
    });
  });
});
