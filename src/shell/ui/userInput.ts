/**
 * Everything the extension asks the user, behind one interface injected through Services:
 * `QuickInputUserInput` builds it on VS Code's QuickInput (InputBox and QuickPick with
 * step counts, a Back button, busy state and inline validation) and dialogs. The
 * extension-host tests construct the same class with a QuickInputFactory that records the
 * real widgets it creates, so they drive this code, not a copy of it. Text from a server
 * shown in a box (a check's error) is shown as plain text.
 *
 * From one step to the next the quick input stays open: a box answered (or left by Back) is
 * disposed only once the next one is shown, or on the next turn of the event loop when none
 * follows. Hiding it first would close the widget, give focus back to the workbench and open it
 * again for the next step (tens of ms each, and a flicker).
 */
import * as vscode from 'vscode';
import { plainLabel, plainMessage } from '../../core/base/plainText';
import { askKeyPairName, NameInputOptions } from './nameInput';
import { Back, BACK, InputStep, PickManyAnswer, StepPickMany } from '../../core/ask/wizard';

export { BACK } from '../../core/ask/wizard';
export type { Back, InputStep, PickManyAnswer } from '../../core/ask/wizard';

export type PickItem<T> = vscode.QuickPickItem & { value: T };

export interface PickStep<T> {
  title: string;
  step?: number;
  totalSteps?: number;
  placeholder: string;
  items: Array<PickItem<T>>;
  active?: T;
  matchOnDescription?: boolean;
  matchOnDetail?: boolean;
}

/** A QuickPick where several items can be checked. */
export type PickManyStep<T> = StepPickMany<T>;

export interface UserInput {
  /** One InputBox; BACK when its Back button was pressed, undefined when cancelled. */
  input(step: InputStep): Promise<string | Back | undefined>;
  /** One QuickPick; the value of the item picked, BACK, or undefined when cancelled. */
  pick<T>(step: PickStep<T>): Promise<T | Back | undefined>;
  /** One QuickPick with checkboxes; what was checked (and any item button pressed), BACK, or undefined when cancelled. */
  pickMany<T>(step: PickManyStep<T>): Promise<PickManyAnswer<T> | Back | undefined>;
  /** The key pair name box (validated as typed); BACK when its Back button was pressed, undefined when cancelled. */
  keyPairName(options: NameInputOptions): Promise<string | Back | undefined>;
  /** Brings an open name box back to front; false when none is open. */
  refocusKeyPairName(): boolean;
  saveDialog(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined>;
  openDialog(options: vscode.OpenDialogOptions): Promise<vscode.Uri[] | undefined>;
}

/** The parts of `vscode.window` the real UserInput uses. */
export interface QuickInputFactory {
  createInputBox(): vscode.InputBox;
  createQuickPick<T extends vscode.QuickPickItem>(): vscode.QuickPick<T>;
  showSaveDialog(options: vscode.SaveDialogOptions): Thenable<vscode.Uri | undefined>;
  showOpenDialog(options: vscode.OpenDialogOptions): Thenable<vscode.Uri[] | undefined>;
}

type QuickInputWidget = vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem>;

export class QuickInputUserInput implements UserInput {
  private nameBox?: vscode.InputBox;
  /** The box just answered, kept open until the next one shows (or the event loop turns). */
  private leaving?: QuickInputWidget;

  constructor(private readonly window: QuickInputFactory = vscode.window) {}

  async input(inputStep: InputStep): Promise<string | Back | undefined> {
    const box = this.window.createInputBox();
    box.title = inputStep.title;
    box.step = inputStep.step;
    box.totalSteps = inputStep.totalSteps;
    box.prompt = inputStep.prompt;
    box.placeholder = inputStep.placeholder;
    box.value = inputStep.value ?? '';
    box.password = !!inputStep.password;
    box.ignoreFocusOut = true;
    box.buttons = (inputStep.step ?? 1) > 1 ? [vscode.QuickInputButtons.Back] : [];
    box.validationMessage = inputStep.error === undefined ? undefined : plainMessage(inputStep.error);
    let checking: AbortController | undefined;
    return this.run<string>(
      box,
      (done) => [
        box.onDidChangeValue((v) => (box.validationMessage = v === '' ? undefined : inputStep.validate?.(v))),
        box.onDidAccept(async () => {
          if (checking) return;
          const value = box.value;
          const problem = inputStep.validate?.(value);
          if (problem) {
            box.validationMessage = problem;
            return;
          }
          if (!inputStep.check) return done(value);
          checking = new AbortController();
          box.busy = true;
          box.enabled = false;
          let passed = false;
          try {
            const failed = await inputStep.check(value, checking.signal);
            passed = failed === undefined;
            if (failed !== undefined) box.validationMessage = plainMessage(failed);
          } finally {
            checking = undefined;
            // Passed: the box stays busy until the next one replaces it (no flicker back to editable).
            if (!passed) {
              box.enabled = true;
              box.busy = false;
            }
          }
          if (passed) done(value);
        }),
      ],
      () => checking?.abort(),
    );
  }

  async pick<T>(pickStep: PickStep<T>): Promise<T | Back | undefined> {
    const qp = this.quickPick(pickStep);
    qp.matchOnDescription = !!pickStep.matchOnDescription;
    qp.matchOnDetail = !!pickStep.matchOnDetail;
    const active = qp.items.find((i) => i.value === pickStep.active && i.kind !== vscode.QuickPickItemKind.Separator);
    if (active) qp.activeItems = [active];
    return this.run<T>(qp, (done) => [
      qp.onDidAccept(() => {
        const [picked] = qp.selectedItems;
        if (picked) done(picked.value);
      }),
    ]);
  }

  async pickMany<T>(pickStep: PickManyStep<T>): Promise<PickManyAnswer<T> | Back | undefined> {
    const qp = this.quickPick(pickStep);
    qp.canSelectMany = true;
    qp.matchOnDescription = true;
    if (pickStep.itemButton) {
      const button: vscode.QuickInputButton = {
        iconPath: new vscode.ThemeIcon(pickStep.itemButton.icon),
        tooltip: pickStep.itemButton.tooltip,
      };
      qp.items = qp.items.map((item) => ({ ...item, buttons: [button] }));
    }
    // A QuickPick made with createQuickPick does not check `picked` items by itself.
    qp.selectedItems = qp.items.filter((item) => item.picked);
    const selected = () => qp.selectedItems.map((item) => item.value);
    return this.run<PickManyAnswer<T>>(qp, (done) => [
      qp.onDidAccept(() => done({ selected: selected() })),
      qp.onDidTriggerItemButton((event) => done({ selected: selected(), pressed: event.item.value })),
    ]);
  }

  /** A QuickPick with the step's title, position, placeholder, items (as plain text) and Back button. */
  private quickPick<T>(s: {
    title: string;
    step?: number;
    totalSteps?: number;
    placeholder: string;
    items: Array<PickItem<T>>;
  }): vscode.QuickPick<PickItem<T>> {
    const qp = this.window.createQuickPick<PickItem<T>>();
    qp.title = s.title;
    qp.step = s.step;
    qp.totalSteps = s.totalSteps;
    qp.placeholder = s.placeholder;
    qp.items = s.items.map((item) => ({
      ...item,
      label: plainLabel(item.label),
      description: item.description === undefined ? undefined : plainLabel(item.description),
      detail: item.detail === undefined ? undefined : plainLabel(item.detail),
    }));
    qp.ignoreFocusOut = true;
    qp.buttons = (s.step ?? 1) > 1 ? [vscode.QuickInputButtons.Back] : [];
    return qp;
  }

  keyPairName(options: NameInputOptions): Promise<string | Back | undefined> {
    const box = this.window.createInputBox();
    this.nameBox = box;
    const answer = askKeyPairName(box, options); // shown by now
    this.closeLeaving();
    return answer.finally(() => {
      if (this.nameBox === box) this.nameBox = undefined;
    });
  }

  refocusKeyPairName(): boolean {
    this.nameBox?.show();
    return this.nameBox !== undefined;
  }

  async saveDialog(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> {
    this.closeLeaving();
    return this.window.showSaveDialog(options);
  }

  async openDialog(options: vscode.OpenDialogOptions): Promise<vscode.Uri[] | undefined> {
    this.closeLeaving();
    return this.window.showOpenDialog(options);
  }

  /**
   * Shows `input` until it is accepted (`done`), goes Back, or is hidden (then `onCancel`). An
   * answered box is handed over to the next one (see the file's comment); a hidden one is gone.
   */
  private run<T>(
    input: QuickInputWidget,
    wire: (done: (value: T) => void) => vscode.Disposable[],
    onCancel?: () => void,
  ): Promise<T | Back | undefined> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (value: T | Back | undefined) => {
        if (settled) return;
        settled = true;
        for (const d of subs) d.dispose();
        if (value === undefined) input.dispose();
        else this.handOver(input);
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
      this.closeLeaving();
    });
  }

  /** Keeps `input` open for the next box; disposed on the next turn of the event loop when none comes. */
  private handOver(input: QuickInputWidget): void {
    this.closeLeaving();
    this.leaving = input;
    setTimeout(() => {
      if (this.leaving === input) this.closeLeaving();
    }, 0);
  }

  private closeLeaving(): void {
    const leaving = this.leaving;
    this.leaving = undefined;
    leaving?.dispose();
  }
}
