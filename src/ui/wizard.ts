/**
 * Steps of a multi-step input (title "… (2/4)", a Back button from the second step on).
 * Each step answers a value, BACK, or undefined (cancelled). In Test mode the prompt
 * responder of ./prompts answers instead (with the same Prompt shapes; BACK goes back).
 */
import * as vscode from 'vscode';
import { testResponder } from './prompts';

/** The answer of a step whose Back button was pressed. */
export const BACK = '\u0000back';

export interface InputStep {
  title: string;
  step: number;
  totalSteps: number;
  prompt: string;
  placeholder?: string;
  value?: string;
  password?: boolean;
  /** Problem with a value, or undefined when it is fine. */
  validate?: (value: string) => string | undefined;
  /** Shown until the user types. */
  error?: string;
  /**
   * Checked on Enter while the box stays open and busy (e.g. signing in): a message
   * returned is shown as the box's error and the user stays on this step.
   */
  check?: (value: string, signal: AbortSignal) => Promise<string | undefined>;
}

export interface PickStep<T> {
  title: string;
  step: number;
  totalSteps: number;
  placeholder: string;
  items: Array<vscode.QuickPickItem & { value: T }>;
  active?: T;
}

export async function inputStep(s: InputStep): Promise<string | typeof BACK | undefined> {
  const responder = testResponder();
  if (responder) {
    // As the UI: ask, validate, run the check; a failed check asks again with its message.
    let error = s.error;
    for (;;) {
      const step = { ...s, error };
      const answer = (await responder({
        kind: 'input',
        options: { title: s.title, prompt: s.prompt, password: s.password, value: s.value, validateInput: s.validate },
        step,
      })) as string | undefined;
      if (answer === undefined || answer === BACK) return answer;
      const problem = s.validate?.(answer);
      if (problem) throw new Error(`test answer rejected: ${problem}`);
      error = await s.check?.(answer, new AbortController().signal);
      if (error === undefined) return answer;
    }
  }
  const box = vscode.window.createInputBox();
  box.title = s.title;
  box.step = s.step;
  box.totalSteps = s.totalSteps;
  box.prompt = s.prompt;
  box.placeholder = s.placeholder;
  box.value = s.value ?? '';
  box.password = !!s.password;
  box.ignoreFocusOut = true;
  box.buttons = s.step > 1 ? [vscode.QuickInputButtons.Back] : [];
  box.validationMessage = s.error;
  let checking: AbortController | undefined;
  return run<string>(
    box,
    (done) => [
      box.onDidChangeValue((v) => (box.validationMessage = v === '' ? undefined : s.validate?.(v))),
      box.onDidAccept(async () => {
        if (checking) return;
        const value = box.value;
        const problem = s.validate?.(value);
        if (problem) {
          box.validationMessage = problem;
          return;
        }
        if (!s.check) return done(value);
        checking = new AbortController();
        box.busy = true;
        box.enabled = false;
        try {
          const failed = await s.check(value, checking.signal);
          if (failed === undefined) return done(value);
          box.validationMessage = failed;
        } finally {
          checking = undefined;
          box.busy = false;
          box.enabled = true;
        }
      }),
    ],
    () => checking?.abort(),
  );
}

export async function pickStep<T>(s: PickStep<T>): Promise<T | typeof BACK | undefined> {
  const responder = testResponder();
  if (responder) {
    const answer = (await responder({ kind: 'pick', items: s.items, options: { title: s.title, placeHolder: s.placeholder }, step: s })) as
      | (typeof s.items)[number]
      | typeof BACK
      | undefined;
    return answer === undefined || answer === BACK ? answer : answer.value;
  }
  const qp = vscode.window.createQuickPick<(typeof s.items)[number]>();
  qp.title = s.title;
  qp.step = s.step;
  qp.totalSteps = s.totalSteps;
  qp.placeholder = s.placeholder;
  qp.items = s.items;
  qp.ignoreFocusOut = true;
  qp.buttons = s.step > 1 ? [vscode.QuickInputButtons.Back] : [];
  const active = s.items.find((i) => i.value === s.active);
  if (active) qp.activeItems = [active];
  return run<T>(qp, (done) => [qp.onDidAccept(() => qp.selectedItems[0] && done(qp.selectedItems[0].value))]);
}

/** Shows `input` until it is accepted (`done`), goes Back, or is hidden (then `onCancel`). */
function run<T>(
  input: vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem>,
  wire: (done: (value: T) => void) => vscode.Disposable[],
  onCancel?: () => void,
): Promise<T | typeof BACK | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: T | typeof BACK | undefined) => {
      if (settled) return;
      settled = true;
      subs.forEach((d) => d.dispose());
      input.dispose();
      resolve(value);
    };
    const subs = [
      ...wire((v) => finish(v)),
      input.onDidTriggerButton((b) => {
        if (b !== vscode.QuickInputButtons.Back) return;
        onCancel?.();
        finish(BACK);
      }),
      input.onDidHide(() => {
        onCancel?.();
        finish(undefined);
      }),
    ];
    input.show();
  });
}
