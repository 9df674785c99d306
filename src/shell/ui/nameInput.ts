/**
 * The key pair name InputBox: validates as the user types (Nova's rule, names taken in
 * the account, files already in the SSH folder). The account's names and the folder's
 * entries are read once when the box opens (the box is busy meanwhile), never per keystroke.
 */
// node:fs's promises API, read when the box opens (node:fs/promises would load it on activation).
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { displayPath } from '../../core/keys/keyFiles';
import { NameContext, nameSets, validateName } from '../../core/flows/validateName';
import { plainMessage } from '../../core/base/plainText';

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

/** Asks for a name in `box` (new, not shown yet); undefined when the user cancels. */
export function askKeyPairName(box: vscode.InputBox, options: NameInputOptions): Promise<string | undefined> {
  box.title = options.title;
  box.prompt = vscode.l10n.t('Name of the new key pair: letters, digits, spaces, "-" and "_"');
  box.placeholder = vscode.l10n.t('e.g. {0}', 'web-server');
  box.ignoreFocusOut = true;
  box.value = options.value ?? '';
  box.busy = true;

  const abort = new AbortController();
  const ctx: NameContext = {
    microversion: options.microversion,
    files: new Set(),
    directoryShown: options.sshDirectory === undefined ? undefined : displayPath(options.sshDirectory),
  };
  let pendingError = options.error === undefined ? undefined : plainMessage(options.error);
  let acceptWhenLoaded = false;

  const refresh = () => {
    if (pendingError !== undefined) {
      box.validationMessage = { message: pendingError, severity: SEVERITY.error };
      return;
    }
    const verdict = validateName(box.value, ctx);
    // Nothing typed yet: no red message before the user has done anything.
    box.validationMessage =
      box.value === '' && verdict.severity === 'error'
        ? undefined
        : { message: verdict.message, severity: SEVERITY[verdict.severity] };
  };

  return new Promise<string | undefined>((resolve, reject) => {
    let settled = false;
    const finish = (value: string | undefined, error?: unknown) => {
      if (settled) return;
      settled = true;
      abort.abort();
      for (const d of disposables) d.dispose();
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

    Promise.all([
      options.loadNames(abort.signal),
      options.sshDirectory === undefined ? new Set<string>() : readEntries(options.sshDirectory),
    ]).then(
      ([names, files]) => {
        if (settled) return;
        Object.assign(ctx, nameSets(names), { files });
        box.busy = false;
        refresh();
        if (acceptWhenLoaded) tryAccept();
      },
      (err) => finish(undefined, err),
    );

    refresh();
    box.show();
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
