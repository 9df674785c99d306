// The one set of Host-entry steps and the one writer that Connect and Add to SSH Config share
// (src/core/flows/hostEntrySteps.ts), in plain Node: a scripted StepInput, real config files in
// temp folders, the real `ssh -G`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACK, InputStep, runSteps, StepInput, StepPick } from '../../../../src/core/ask/wizard';
import {
  addressStep,
  aliasStep,
  HostAnswers,
  hostNameStep,
  readConfigEntries,
  userStep,
  writeHostEntryAsSeen,
} from '../../../../src/core/flows/hostEntrySteps';
import { makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { sshG } from '../../helpers/sshG';

const cleanup: string[] = [];
after(() => removeTempDirs(cleanup));

const OURS = (alias: string, hostName: string) =>
  `Host ${alias}\n  # Added by Server Key Pairs (VS Code)\n  HostName ${hostName}\n  IdentityFile /k\n  IdentitiesOnly yes\n`;

/** Types `typed` in turn (Enter on what is shown when undefined); records each box's Enter check. */
function typing(typed: Array<string | undefined | typeof BACK>) {
  const checks: Array<string | undefined> = [];
  const prompts: string[] = [];
  const ui: StepInput = {
    async input(s: InputStep) {
      prompts.push(s.prompt);
      const next = typed.shift();
      if (next === BACK) return BACK;
      const value = next ?? s.value ?? '';
      const problem = s.validate?.(value);
      if (problem) return assert.fail(problem);
      checks.push(await s.check?.(value, new AbortController().signal));
      return value;
    },
    async pick<T>(s: StepPick<T>) {
      prompts.push(s.placeholder);
      const next = typed.shift();
      const item = s.items.find((i) => i.label === next) ?? s.items[0];
      return item ? item.value : undefined;
    },
  };
  return { ui, checks, prompts };
}

describe('flows/hostEntrySteps: the Host entry both commands ask for and write', () => {
  it('the alias box tells Connect that our entry moves to the picked address, and Add that it is replaced', async () => {
    const dir = makeTempDir(cleanup);
    const config = path.join(dir, 'config');
    fs.writeFileSync(config, OURS('web', '192.0.2.1'));
    const entries = await readConfigEntries(config, () => undefined);

    const connect = typing(['192.0.2.2', 'root', 'web']);
    const answers: HostAnswers = { alias: 'x', hostName: '192.0.2.1', user: '' };
    const addresses = ['192.0.2.1', '192.0.2.2'].map((ip) => ({
      ip,
      version: 4 as const,
      network: 'n',
      rank: 'fixed' as const,
    }));
    const connectSteps = [
      addressStep(connect.ui, 't', addresses),
      userStep(connect.ui, 't', 'User', () => undefined),
      aliasStep(connect.ui, { title: 't', configPath: config, entries, knowsHostName: true }),
    ];
    assert.equal(await runSteps(() => connectSteps, answers), true);
    assert.deepEqual(answers, { alias: 'web', hostName: '192.0.2.2', user: 'root' });
    assert.match(
      connect.checks.at(-1) ?? '',
      /is the entry for 192\.0\.2\.1\. Press Enter again to point it at 192\.0\.2\.2 instead\.$/,
    );

    const add = typing(['web', '', '']);
    const added: HostAnswers = { alias: '', hostName: '', user: 'root' };
    const addSteps = [
      aliasStep(add.ui, { title: 't', configPath: config, entries, knowsHostName: false }),
      hostNameStep(add.ui, 't'),
      userStep(add.ui, 't', 'User', () => undefined),
    ];
    assert.equal(await runSteps(() => addSteps, added), true);
    assert.match(add.checks[0] ?? '', /is the entry for 192\.0\.2\.1\. Press Enter again to replace it\.$/);
    assert.match(add.prompts[1] ?? '', /^HostName: /);
  });

  it("the alias box refuses the user's own entry, in any file ssh reads", async () => {
    const dir = makeTempDir(cleanup);
    const config = path.join(dir, 'config');
    fs.writeFileSync(path.join(dir, 'team'), 'Host web\n  HostName 192.0.2.9\n');
    fs.writeFileSync(config, `Include ${dir}/team\n`);
    const entries = await readConfigEntries(config, () => undefined);
    let refused: string | undefined;
    const ui: StepInput = {
      input: async (s) => {
        refused = s.validate?.('web');
        return undefined;
      },
      pick: async () => undefined,
    };
    await runSteps(() => [aliasStep(ui, { title: 't', configPath: config, entries, knowsHostName: false })], {
      alias: '',
      hostName: '',
      user: '',
    });
    assert.match(refused ?? '', /^"web" is already your own entry in .*team, line 1/);
  });

  it('the writer writes what ssh then uses, and keeps an entry another window changed meanwhile', async () => {
    const dir = makeTempDir(cleanup);
    const config = path.join(dir, 'config');
    const key = path.join(dir, 'id');
    const entries = await readConfigEntries(config, () => undefined);
    const entry = { alias: 'web', hostName: '203.0.113.4', user: 'ubuntu', identityFile: key };
    assert.equal((await writeHostEntryAsSeen(config, entry, entries)).outcome, 'added');
    assert.deepEqual(sshG(config, 'web').get('hostname'), ['203.0.113.4']);

    // Seen: nothing for "db"; meanwhile another window wrote our entry for db elsewhere.
    const seen = await readConfigEntries(config, () => undefined);
    fs.appendFileSync(config, `\n${OURS('db', '192.0.2.77')}`);
    const before = fs.readFileSync(config, 'utf8');
    const raced = await writeHostEntryAsSeen(config, { ...entry, alias: 'db' }, seen);
    assert.equal(raced.outcome, 'taken');
    assert.equal(fs.readFileSync(config, 'utf8'), before, 'nothing changed');
  });

  it('parts of the config ssh would refuse are told, not thrown', async () => {
    const dir = makeTempDir(cleanup);
    const config = path.join(dir, 'config');
    fs.writeFileSync(config, `Include ${config}\nHost a\n`);
    const told: string[] = [];
    const entries = await readConfigEntries(config, (line) => told.push(line));
    assert.ok(entries.some((e) => e.patterns.includes('a')));
    assert.equal(told.length, 1);
    assert.match(told[0] ?? '', /^SSH config: .*config: Include loop/);
  });
});
