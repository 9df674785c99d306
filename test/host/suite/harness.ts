/**
 * What the in-host tests share. The running extension's Services get a recording
 * MessageSink and the real QuickInputUserInput built on a factory that records each real
 * InputBox and QuickPick it creates: the tests drive those widgets (a keystroke sets the
 * value and fires the change event; Enter fires accept; Back fires the button; Escape
 * hides), so the extension's own QuickInput code runs. The emulator's control API is
 * reached over HTTP from the host.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestingApi } from '../../../src/extension';
import type { CreateKeyPairResult } from '../../../src/core/flows/createKeyPair';
import { MessageOptions, MessageSink, Severity, ShownMessage, shownMessage } from '../../../src/shell/ui/notify';
import { BACK, QuickInputFactory, QuickInputUserInput } from '../../../src/shell/ui/userInput';

export const EXTENSION_ID = 'server-keypairs.server-keypairs';
export const TOKEN = 'host-test-token';
const EMULATOR = process.env.KEYPAIRS_EMULATOR ?? '';
/** The prompt of the key pair name box (those are driven by the test itself). */
const NAME_PROMPT = /^Name of the new key pair/;

export async function testing(): Promise<TestingApi> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  const api = (await ext.activate()) as { testing?: TestingApi } | undefined;
  assert.ok(api?.testing, 'Test-mode API present');
  return api.testing;
}

/** What a widget shown asked, as a test script answers it. */
export type Prompt =
  | { kind: 'input'; options: { title?: string; prompt?: string; password: boolean; value: string }; step: StepInfo }
  | {
      kind: 'pick';
      items: readonly vscode.QuickPickItem[];
      options: { title?: string; placeHolder?: string };
      step: StepInfo;
      /** A pick with checkboxes: answer with the items to check (then Enter), or a {@link PressItemButton}. */
      canSelectMany: boolean;
      /** The items checked when it was shown. */
      selected: readonly vscode.QuickPickItem[];
      /** The item highlighted when it was shown (Enter picks it). */
      active?: vscode.QuickPickItem;
    }
  | { kind: 'save'; options: vscode.SaveDialogOptions }
  | { kind: 'open'; options: vscode.OpenDialogOptions };

/** The answer that presses the (first) button of an item in a pick. */
export interface PressItemButton {
  press: vscode.QuickPickItem;
}

export interface StepInfo {
  step?: number;
  totalSteps?: number;
  /** The box's error message when it was (re)shown, e.g. after a failed sign-in. */
  error?: string;
}

/** A name box, driven by the test. */
export interface NameInputHandle {
  box: vscode.InputBox;
  /** What a keystroke does: the value changes, the box validates. */
  typed(value: string): void;
  /** Enter. */
  accept(): void;
  /** Resolves once the box has loaded the account's names (it is busy until then). */
  loaded(): Promise<void>;
}

type Widget = vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem>;

/** A real widget whose events the test can also fire (an extension cannot type or press Enter). */
class Driven {
  readonly changed = new vscode.EventEmitter<string>();
  readonly accepted = new vscode.EventEmitter<void>();
  readonly button = new vscode.EventEmitter<vscode.QuickInputButton>();
  readonly itemButton = new vscode.EventEmitter<vscode.QuickPickItemButtonEvent<vscode.QuickPickItem>>();
  readonly widget: Widget;
  disposed = false;
  private idleWaiters: Array<() => void> = [];
  /** Accept listeners the extension keeps: none once it took an answer (the box may stay open for the next step). */
  private accepting = 0;

  constructor(
    readonly real: Widget,
    onShow: (driven: Driven) => void,
    private readonly onIdle: (driven: Driven) => void,
    seen: { shows(driven: Driven): void; hides(driven: Driven): void },
  ) {
    real.onDidHide(() => seen.hides(this));
    const merged =
      <T>(own: vscode.Event<T>, extra: vscode.Event<T>): vscode.Event<T> =>
      (listener, thisArgs) =>
        vscode.Disposable.from(own(listener, thisArgs), extra(listener, thisArgs));
    this.widget = new Proxy(real, {
      get: (target, prop) => {
        if (prop === 'onDidChangeValue') return merged(target.onDidChangeValue, this.changed.event);
        if (prop === 'onDidAccept') return this.counted(merged(target.onDidAccept, this.accepted.event));
        if (prop === 'onDidTriggerButton') return merged(target.onDidTriggerButton, this.button.event);
        if (prop === 'onDidTriggerItemButton' && 'onDidTriggerItemButton' in target) {
          return merged(target.onDidTriggerItemButton, this.itemButton.event);
        }
        if (prop === 'show') {
          return () => {
            target.show();
            seen.shows(this);
            queueMicrotask(() => onShow(this));
          };
        }
        if (prop === 'dispose') {
          return () => {
            this.disposed = true;
            target.dispose();
            this.idle();
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
      set: (target, prop, value) => {
        const done = Reflect.set(target, prop, value, target);
        if (prop === 'busy' && value === false) this.idle();
        return done;
      },
    });
  }

  /** Whether the extension still waits for this widget's answer (it is not disposed, nor handed over). */
  get asking(): boolean {
    return !this.disposed && this.accepting > 0;
  }

  private counted<T>(event: vscode.Event<T>): vscode.Event<T> {
    return (listener, thisArgs) => {
      const sub = event(listener, thisArgs);
      this.accepting++;
      let live = true;
      return new vscode.Disposable(() => {
        if (live) this.accepting--;
        live = false;
        sub.dispose();
      });
    };
  }

  type(value: string): void {
    this.real.value = value;
    this.changed.fire(value);
  }

  /** Resolves when the widget is not busy (now, or when it stops being busy). */
  whenIdle(): Promise<void> {
    if (!this.real.busy || this.disposed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private idle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
    if (this.asking) this.onIdle(this);
  }
}

/** Messages shown and log lines written during a test; answers to messages and prompts. */
export class Recorder {
  readonly messages: ShownMessage[] = [];
  readonly log: string[] = [];
  readonly prompts: Prompt[] = [];
  /**
   * What the quick input showed, in order, as a user sees it: `shown <n> <prompt or placeholder>`
   * when a widget shows, `hidden <n>` when it is gone from the screen.
   */
  readonly widgets: string[] = [];
  /** Why driving a widget failed (a test answer the widget refused): each test ends with none. */
  readonly driveFailures: string[] = [];
  private widgetCount = 0;
  private widgetIds = new WeakMap<Driven, number>();
  /** Answer to a message: an action title, undefined to dismiss, or a promise (a message left on screen). */
  answerMessage: (m: ShownMessage) => string | undefined | Promise<string | undefined> = () => undefined;
  /** Answer to a prompt: the text typed, the item picked, BACK, a file; undefined = Escape. */
  answerPrompt: (p: Prompt) => unknown = () => undefined;
  private names: NameInputHandle[] = [];
  private nameWaiters: Array<(h: NameInputHandle) => void> = [];
  private messageWaiters: Array<() => void> = [];
  private logWaiters: Array<() => void> = [];
  private restore?: vscode.Disposable;
  private logSubscription?: vscode.Disposable;

  async install(): Promise<void> {
    const t = await testing();
    this.logSubscription = t.onLog((line) => {
      this.log.push(line);
      const waiters = this.logWaiters;
      this.logWaiters = [];
      waiters.forEach((w) => w());
    });
    const sink: MessageSink = {
      show: <A extends string>(
        severity: Severity,
        message: string,
        actions: readonly A[] = [],
        options: MessageOptions = {},
      ) => {
        const shown = shownMessage(severity, message, actions, options);
        this.messages.push(shown);
        const waiters = this.messageWaiters;
        this.messageWaiters = [];
        waiters.forEach((w) => w());
        return Promise.resolve(this.answerMessage(shown)) as Promise<A | undefined>;
      },
    };
    this.restore = t.services.useIO({ sink, ui: new QuickInputUserInput(this.factory()) });
  }

  async uninstall(): Promise<void> {
    this.logSubscription?.dispose();
    this.restore?.dispose();
    this.restore = undefined;
  }

  /** Forgets what earlier tests saw (messages, prompts, name boxes nobody waited for). */
  reset(): void {
    this.messages.length = 0;
    this.log.length = 0;
    this.prompts.length = 0;
    this.widgets.length = 0;
    this.driveFailures.length = 0;
    this.names = [];
    this.answerMessage = () => undefined;
    this.answerPrompt = () => undefined;
  }

  /** The next name box that opens. */
  nextNameInput(): Promise<NameInputHandle> {
    const ready = this.names.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.nameWaiters.push(resolve));
  }

  /** Runs Set API Token, answering its password box with `token`; the view then reloads. */
  async setToken(token: string): Promise<void> {
    this.answerPrompt = (p) => (p.kind === 'input' && p.options.password ? token : undefined);
    assert.equal(await vscode.commands.executeCommand('keypairs.setToken'), true);
    this.answerPrompt = () => undefined;
  }

  /** Runs Create Server Key Pair, typing `name` once the box has loaded the account's names. */
  async create(name: string): Promise<CreateKeyPairResult | undefined> {
    const running = vscode.commands.executeCommand<CreateKeyPairResult | undefined>('keypairs.create');
    const box = await this.nextNameInput();
    await box.loaded();
    box.typed(name);
    box.accept();
    return running;
  }

  /** Resolves when a message matching `re` has been shown. */
  async waitForMessage(re: RegExp, timeoutMs = 10_000): Promise<ShownMessage> {
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
    for (;;) {
      const m = this.messages.find((x) => re.test(x.message));
      if (m) return m;
      const next = new Promise<'shown'>((resolve) => this.messageWaiters.push(() => resolve('shown')));
      if ((await Promise.race([next, timeout])) === 'timeout') {
        assert.fail(`no message matching ${re}; shown: ${JSON.stringify(this.messages.map((x) => x.message))}`);
      }
    }
  }

  /** Resolves with the first log line (`info …`, `warn …`) matching `re`, once it is written. */
  async waitForLog(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
    for (;;) {
      const line = this.log.find((x) => re.test(x));
      if (line !== undefined) return line;
      const next = new Promise<'written'>((resolve) => this.logWaiters.push(() => resolve('written')));
      if ((await Promise.race([next, timeout])) === 'timeout') {
        assert.fail(`no log line matching ${re}; written: ${JSON.stringify(this.log)}`);
      }
    }
  }

  private factory(): QuickInputFactory {
    return {
      createInputBox: () =>
        new Driven(
          vscode.window.createInputBox(),
          (d) => this.shown(d),
          (d) => this.idle(d),
          this.seen,
        ).widget as vscode.InputBox,
      createQuickPick: <T extends vscode.QuickPickItem>() =>
        new Driven(
          vscode.window.createQuickPick<vscode.QuickPickItem>(),
          (d) => this.shown(d),
          () => undefined,
          this.seen,
        ).widget as unknown as vscode.QuickPick<T>,
      showSaveDialog: async (options) => this.answer({ kind: 'save', options }) as vscode.Uri | undefined,
      showOpenDialog: async (options) => this.answer({ kind: 'open', options }) as vscode.Uri[] | undefined,
    };
  }

  private answer(prompt: Prompt): unknown {
    this.prompts.push(prompt);
    return this.answerPrompt(prompt);
  }

  /** Notes what shows and hides, when it does (see {@link widgets}). */
  private readonly seen = {
    shows: (d: Driven) => {
      const w = d.real;
      const id = this.widgetIds.get(d) ?? ++this.widgetCount;
      this.widgetIds.set(d, id);
      this.widgets.push(`shown ${id} ${(isInputBox(w) ? w.prompt : w.placeholder) ?? ''}`);
    },
    hides: (d: Driven) => this.widgets.push(`hidden ${this.widgetIds.get(d) ?? '?'}`),
  };

  private shown(d: Driven): void {
    const w = d.real;
    if (isInputBox(w) && NAME_PROMPT.test(w.prompt ?? '')) {
      const handle: NameInputHandle = {
        box: d.widget as vscode.InputBox,
        typed: (value) => d.type(value),
        accept: () => d.accepted.fire(),
        loaded: async () => {
          await d.whenIdle();
          assert.equal(w.busy, false, 'name box finished loading');
        },
      };
      const waiter = this.nameWaiters.shift();
      if (waiter) waiter(handle);
      else this.names.push(handle);
      return;
    }
    this.driving(d);
  }

  /** An input box that stopped being busy (a check ran) and is still open: asks again. */
  private idle(d: Driven): void {
    const w = d.real;
    if (isInputBox(w) && !NAME_PROMPT.test(w.prompt ?? '')) this.driving(d);
  }

  private driving(d: Driven): void {
    this.drive(d).catch((err: unknown) => this.driveFailures.push(err instanceof Error ? err.message : String(err)));
  }

  private async drive(d: Driven): Promise<void> {
    const w = d.real;
    const step: StepInfo = { step: w.step, totalSteps: w.totalSteps };
    let prompt: Prompt;
    if (isInputBox(w)) {
      const error = w.validationMessage;
      step.error = typeof error === 'string' ? error : error?.message;
      prompt = {
        kind: 'input',
        options: { title: w.title, prompt: w.prompt, password: w.password, value: w.value },
        step,
      };
    } else {
      prompt = {
        kind: 'pick',
        items: w.items,
        options: { title: w.title, placeHolder: w.placeholder },
        step,
        canSelectMany: w.canSelectMany,
        selected: [...w.selectedItems],
        active: w.activeItems[0],
      };
    }
    const answer = await this.answer(prompt);
    if (!d.asking) return;
    if (answer === undefined) {
      w.hide();
    } else if (answer === BACK) {
      d.button.fire(vscode.QuickInputButtons.Back);
    } else if (isInputBox(w)) {
      d.type(String(answer));
      d.accepted.fire();
      // Taken: the box is disposed, or handed over (the extension no longer listens to it).
      if (d.asking && !w.busy) {
        const problem = w.validationMessage;
        w.hide();
        assert.fail(
          `test answer "${String(answer)}" rejected: ${typeof problem === 'string' ? problem : problem?.message}`,
        );
      }
    } else if (isPress(answer)) {
      const button = answer.press.buttons?.[0];
      assert.ok(button, `item "${answer.press.label}" has a button`);
      d.itemButton.fire({ button, item: answer.press });
    } else {
      w.selectedItems = w.canSelectMany ? (answer as vscode.QuickPickItem[]) : [answer as vscode.QuickPickItem];
      d.accepted.fire();
    }
  }
}

function isPress(answer: unknown): answer is PressItemButton {
  return typeof answer === 'object' && answer !== null && 'press' in answer;
}

function isInputBox(w: Widget): w is vscode.InputBox {
  return 'password' in w;
}

/**
 * A Recorder for one `describe` block: installed before its tests, removed after, and
 * before each test the emulator is reset and what earlier tests saw is forgotten.
 */
export function useRecorder(): Recorder {
  const rec = new Recorder();
  before(() => rec.install());
  after(() => rec.uninstall());
  beforeEach(async () => {
    await emulator.reset();
    rec.reset();
  });
  afterEach(() => assert.deepEqual(rec.driveFailures, [], 'every widget took the test answers'));
  return rec;
}

/** Waits until the box has loaded the account's names (it is busy until then). */
export function whenLoaded(h: NameInputHandle): Promise<void> {
  return h.loaded();
}

export function validation(h: NameInputHandle): { message: string; severity: string } | undefined {
  const v = h.box.validationMessage;
  if (v === undefined) return undefined;
  if (typeof v === 'string') return { message: v, severity: 'error' };
  return { message: v.message, severity: vscode.InputBoxValidationSeverity[v.severity] };
}

/** The emulator's control API. */
export const emulator = {
  async state(): Promise<{ keypairs: Record<string, Record<string, Array<{ name: string; fingerprint: string }>>> }> {
    return (await fetch(`${EMULATOR}/_emulator/state`)).json() as never;
  },
  async names(): Promise<string[]> {
    const s = await emulator.state();
    return Object.values(s.keypairs)
      .flatMap((scopes) =>
        Object.values(scopes)
          .flat()
          .map((k) => k.name),
      )
      .sort();
  },
  async requests(): Promise<Array<{ method: string; path: string; status: number; headers: Record<string, string> }>> {
    return ((await (await fetch(`${EMULATOR}/_emulator/requests`)).json()) as { requests: never }).requests;
  },
  async reset(): Promise<void> {
    await fetch(`${EMULATOR}/_emulator/reset`, { method: 'POST' });
  },
  async fault(f: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${EMULATOR}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify(f),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 201, 'fault accepted');
  },
  async options(o: Record<string, unknown>): Promise<void> {
    await fetch(`${EMULATOR}/_emulator/options`, {
      method: 'POST',
      body: JSON.stringify(o),
      headers: { 'content-type': 'application/json' },
    });
  },
  /** The emulator's Rackspace Identity v2.0 URL (Sign In's "another Identity URL"). */
  identityUrl: `${EMULATOR}/v2.0`,
};
