/**
 * From one step to the next the quick input stays open: QuickInputUserInput shows the next box
 * before it disposes the one just answered (VS Code then swaps what the open widget shows,
 * instead of closing it, giving focus back to the workbench and opening it again), and closes
 * the last one on the next turn of the event loop. Run in the extension host on widgets whose
 * show, hide and dispose are recorded in order (what VS Code is told, and when), driven by the
 * events a user's Enter, Back and Escape fire.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { pickStep, runSteps, textStep } from '../../../src/core/ask/wizard';
import { QuickInputFactory, QuickInputUserInput } from '../../../src/shell/ui/userInput';

/** A widget that records what it is told and lets the test fire what a user's keys fire. */
class Recorded {
  readonly accept = new vscode.EventEmitter<void>();
  readonly hide = new vscode.EventEmitter<void>();
  readonly button = new vscode.EventEmitter<vscode.QuickInputButton>();
  readonly value = new vscode.EventEmitter<string>();
  readonly widget: Record<string, unknown>;

  constructor(
    readonly id: string,
    log: string[],
  ) {
    this.widget = {
      value: '',
      items: [],
      selectedItems: [],
      activeItems: [],
      busy: false,
      enabled: true,
      onDidAccept: this.accept.event,
      onDidHide: this.hide.event,
      onDidTriggerButton: this.button.event,
      onDidChangeValue: this.value.event,
      onDidTriggerItemButton: new vscode.EventEmitter().event,
      show: () => log.push(`show ${id}`),
      hide: () => {
        log.push(`hide ${id}`);
        this.hide.fire();
      },
      dispose: () => log.push(`dispose ${id}`),
    };
  }
}

function recording() {
  const log: string[] = [];
  const widgets: Recorded[] = [];
  const make = () => {
    const r = new Recorded(String.fromCharCode(65 + widgets.length), log);
    widgets.push(r);
    return r.widget;
  };
  const factory = {
    createInputBox: make,
    createQuickPick: make,
    showSaveDialog: async () => undefined,
    showOpenDialog: async () => undefined,
  } as unknown as QuickInputFactory;
  /** The widget shown last, once it is shown. */
  const shown = async (id: string) => {
    for (let i = 0; i < 100 && !log.includes(`show ${id}`); i++) await new Promise(setImmediate);
    const w = widgets.find((x) => x.id === id);
    assert.ok(w && log.includes(`show ${id}`), `box ${id} shown; told: ${log.join(', ')}`);
    return w;
  };
  return { ui: new QuickInputUserInput(factory), log, shown };
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Quick input: one open widget from step to step (extension host)', () => {
  type Answers = { name: string; region: string };
  const steps = (ui: QuickInputUserInput) => () => [
    textStep<keyof Answers, Answers>(ui, 'name', { title: 'T', prompt: 'Name' }),
    pickStep<'region', string, Answers>(ui, 'region', {
      title: 'T',
      placeholder: 'Region',
      items: [{ label: 'ORD', value: 'ORD' }],
    }),
  ];

  it('Enter: the next box is shown before the answered one goes; the last goes on the next turn', async () => {
    const { ui, log, shown } = recording();
    const answers: Answers = { name: '', region: '' };
    const done = runSteps(steps(ui), answers);
    const a = await shown('A');
    (a.widget as { value: string }).value = 'web';
    a.accept.fire();
    const b = await shown('B');
    assert.deepEqual(log, ['show A', 'show B', 'dispose A'], 'A stays until B is shown');
    (b.widget as { selectedItems: unknown[] }).selectedItems = (b.widget as { items: unknown[] }).items;
    b.accept.fire();
    assert.equal(await done, true);
    assert.deepEqual(answers, { name: 'web', region: 'ORD' });
    assert.ok(!log.includes('dispose B'), 'the last box is still open right after its answer');
    await turn();
    assert.deepEqual(log, ['show A', 'show B', 'dispose A', 'dispose B'], 'and gone on the next turn');
  });

  it('Back: the previous step comes back before the box left goes', async () => {
    const { ui, log, shown } = recording();
    const done = runSteps(steps(ui), { name: '', region: '' });
    const a = await shown('A');
    (a.widget as { value: string }).value = 'web';
    a.accept.fire();
    const b = await shown('B');
    b.button.fire(vscode.QuickInputButtons.Back);
    await shown('C');
    assert.deepEqual(log, ['show A', 'show B', 'dispose A', 'show C', 'dispose B']);
    const c = await shown('C');
    c.hide.fire();
    assert.equal(await done, false);
    assert.equal(log.at(-1), 'dispose C', 'Escape: the box goes at once');
  });

  it('a box whose check passed stays busy until it goes; one whose check failed is editable again', async () => {
    const { ui, shown } = recording();
    let verdict: string | undefined = 'taken';
    const answer = ui.input({ title: 'T', prompt: 'Alias', check: async () => verdict });
    const a = await shown('A');
    const box = a.widget as { value: string; busy: boolean; enabled: boolean; validationMessage?: string };
    box.value = 'web';
    a.accept.fire();
    for (let i = 0; i < 20; i++) await new Promise(setImmediate);
    assert.deepEqual([box.busy, box.enabled, box.validationMessage], [false, true, 'taken']);
    verdict = undefined;
    a.accept.fire();
    assert.equal(await answer, 'web');
    assert.deepEqual([box.busy, box.enabled], [true, false], 'no flicker back to editable before it goes');
  });

  it('a dialog after a step closes the answered box first', async () => {
    const { ui, log, shown } = recording();
    const answer = ui.input({ title: 'T', prompt: 'Name' });
    const a = await shown('A');
    a.accept.fire();
    assert.equal(await answer, '');
    await ui.saveDialog({});
    assert.deepEqual(log, ['show A', 'dispose A'], 'closed before the dialog, not a turn later');
  });
});
