/**
 * Messages shown to the user, in one place: every notification of the extension goes
 * through here, so tests can read what a user would have seen (and answer buttons).
 */
import * as vscode from 'vscode';

export type Severity = 'info' | 'warning' | 'error';

export interface ShownMessage {
  severity: Severity;
  message: string;
  actions: string[];
  modal: boolean;
}

/** Test mode: sees each message and may pick one of its actions (undefined = dismiss). */
type Responder = (shown: ShownMessage) => string | undefined | Promise<string | undefined>;
let responder: Responder | undefined;
let tap: ((shown: ShownMessage) => void) | undefined;

/** Shows a message with action buttons; resolves to the action chosen, if any. */
export async function notify<A extends string>(
  severity: Severity,
  message: string,
  actions: readonly A[] = [],
  options: { modal?: boolean; detail?: string } = {},
): Promise<A | undefined> {
  const shown: ShownMessage = { severity, message: options.detail ? `${message} ${options.detail}` : message, actions: [...actions], modal: !!options.modal };
  tap?.(shown);
  if (responder) return (await responder(shown)) as A | undefined;
  const show =
    severity === 'error'
      ? vscode.window.showErrorMessage
      : severity === 'warning'
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
  const msgOptions: vscode.MessageOptions = { modal: !!options.modal, detail: options.detail };
  return show(message, msgOptions, ...actions) as Thenable<A | undefined>;
}

/** Test mode hooks. */
export function setMessageHooks(hooks: { tap?: (shown: ShownMessage) => void; responder?: Responder }): void {
  tap = hooks.tap;
  responder = hooks.responder;
}
