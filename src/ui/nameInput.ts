/**
 * The key pair name InputBox: validates as the user types (Nova's rule, names taken in
 * the account, files already in the SSH folder). The account's names and the folder's
 * entries are read once when the box opens (the box is busy meanwhile), never per keystroke.
 */
// node:fs's promises API, read when the box opens (node:fs/promises would load it on activation).
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { displayPath } from '../keys/keyFiles';
import { NameContext, nameSets, validateName } from '../flows/validateName';

export interface NameInputOptions {
  title: string;
  /** Reopen with this name (e.g. after the server said it is taken). */
  value?: string;
  /** Shown until the user types (e.g. the server's 409). */
  error?: string;
  /** Where the key files will be saved (names of files there are refused); omit when none is saved (import). */
  sshDirectory?: string;
  microversion?: string;
  /** Loads the account's key pair names; a failure closes the box and is rethrown. */
  loadNames(signal: AbortSignal): Promise<Iterable<string>>;
}

const SEVERITY = {
  error: vscode.InputBoxValidationSeverity.Error,
  warning: vscode.InputBoxValidationSeverity.Warning,
  info: vscode.InputBoxValidationSeverity.Info,
} as const;

/**
 * What Test mode gets of each name box when it opens: the box, and what the UI does on a
 * keystroke (`typed`: set the value and validate) and on Enter (`accept`). Setting
 * `box.value` from an extension does not fire `onDidChangeValue`, hence these.
 */
export interface NameInputHandle {
  box: vscode.InputBox;
  typed(value: string): void;
  accept(): void;
}
let onShow: ((handle: NameInputHandle) => void) | undefined;
export function onNameInputShown(fn: ((handle: NameInputHandle) => void) | undefined): void {
  onShow = fn;
}

let current: vscode.InputBox | undefined;
/** Brings an open name box back to front; false when none is open. */
export function refocusNameInput(): boolean {
  current?.show();
  return current !== undefined;
}

/** Asks for a name; undefined when the user cancels. */
export function askKeyPairName(o: NameInputOptions): Promise<string | undefined> {
  const box = vscode.window.createInputBox();
  box.title = o.title;
  box.prompt = 'Name of the new key pair: letters, digits, spaces, "-" and "_"';
  box.placeholder = 'e.g. web-server';
  box.ignoreFocusOut = true;
  box.value = o.value ?? '';
  box.busy = true;

  const abort = new AbortController();
  const ctx: NameContext = { microversion: o.microversion, files: new Set(), directoryShown: o.sshDirectory === undefined ? undefined : displayPath(o.sshDirectory) };
  let pendingError = o.error;
  let acceptWhenLoaded = false;

  const refresh = () => {
    if (pendingError !== undefined) {
      box.validationMessage = { message: pendingError, severity: SEVERITY.error };
      return;
    }
    const verdict = validateName(box.value, ctx);
    // Nothing typed yet: no red message before the user has done anything.
    box.validationMessage =
      box.value === '' && verdict.severity === 'error' ? undefined : { message: verdict.message, severity: SEVERITY[verdict.severity] };
  };

  return new Promise<string | undefined>((resolve, reject) => {
    let settled = false;
    const finish = (value: string | undefined, error?: unknown) => {
      if (settled) return;
      settled = true;
      abort.abort();
      current = undefined;
      disposables.forEach((d) => d.dispose());
      box.dispose();
      if (error !== undefined) reject(error);
      else resolve(value);
    };
    const tryAccept = () => {
      if (box.busy) {
        acceptWhenLoaded = true;
        return;
      }
      pendingError = undefined;
      const verdict = validateName(box.value, ctx);
      if (verdict.severity === 'error') {
        refresh();
        return;
      }
      finish(box.value);
    };
    const typed = () => {
      pendingError = undefined;
      refresh();
    };
    const disposables = [
      box.onDidChangeValue(typed),
      box.onDidAccept(tryAccept),
      box.onDidHide(() => finish(undefined)),
    ];

    Promise.all([o.loadNames(abort.signal), o.sshDirectory === undefined ? new Set<string>() : readEntries(o.sshDirectory)]).then(
      ([names, files]) => {
        if (settled) return;
        Object.assign(ctx, nameSets(names), { files });
        box.busy = false;
        refresh();
        if (acceptWhenLoaded) tryAccept();
      },
      (err) => finish(undefined, err),
    );

    current = box;
    refresh();
    box.show();
    onShow?.({
      box,
      typed: (value) => {
        box.value = value;
        typed();
      },
      accept: tryAccept,
    });
  });
}

/** Entries of the SSH folder; none when it does not exist yet. */
async function readEntries(dir: string): Promise<Set<string>> {
  try {
    return new Set(await fs.readdir(dir));
  } catch {
    return new Set();
  }
}
