/**
 * Messages shown to the user go through one MessageSink, injected through Services: the
 * real one shows VS Code notifications and dialogs; the extension-host tests put one in
 * that records what a user would have seen and answers its buttons. `PlainMessages` sits in
 * front of whichever sink is in use, so every message reaches it as plain text (see
 * ../plainText): server text never becomes a link.
 */
import * as vscode from 'vscode';
import { plainMessage } from '../../core/base/plainText';
import type { ErrorContext } from '../../core/wording/api';

export type Severity = 'info' | 'warning' | 'error';

export interface MessageOptions {
  modal?: boolean;
  detail?: string;
}

/** A message as the user sees it (`message` includes the detail of a modal). */
export interface ShownMessage {
  severity: Severity;
  message: string;
  actions: string[];
  modal: boolean;
}

export interface MessageSink {
  /**
   * Shows a message with action buttons; resolves to the action chosen, if any. A
   * non-modal message may stay on screen for a long time: a command that holds a guard
   * must not await it (use `.then` for the button).
   */
  show<A extends string>(
    severity: Severity,
    message: string,
    actions?: readonly A[],
    options?: MessageOptions,
  ): Promise<A | undefined>;
}

/** The real sink: VS Code notifications, and dialogs for modal messages. */
export const vscodeMessages: MessageSink = {
  show: async (severity, message, actions = [], { modal = false, detail } = {}) => {
    const { window } = vscode;
    const show = {
      error: window.showErrorMessage,
      warning: window.showWarningMessage,
      info: window.showInformationMessage,
    };
    return show[severity](message, { modal, detail }, ...actions);
  },
};

/** A MessageSink that also knows how errors are worded now (see ../messages.ts `showError`). */
export interface Messages extends MessageSink {
  /** Where the Compute endpoint comes from (the signed-in account, or the setting). */
  errorContext(): ErrorContext | undefined;
}

/** Passes every message on to `sink()` as plain text (no live links). */
export class PlainMessages implements Messages {
  constructor(
    private readonly sink: () => MessageSink,
    readonly errorContext: () => ErrorContext | undefined = () => undefined,
  ) {}

  /**
   * Actions are ids (English, from `l10n.label`): the sink shows each translated and the id of
   * the button chosen comes back, so callers never compare translated wording.
   */
  async show<A extends string>(
    severity: Severity,
    message: string,
    actions: readonly A[] = [],
    options: MessageOptions = {},
  ): Promise<A | undefined> {
    const detail = options.detail === undefined ? undefined : plainMessage(options.detail);
    const labels = actions.map((id) => vscode.l10n.t(id));
    const picked = await this.sink().show(severity, plainMessage(message), labels, { ...options, detail });
    const index = picked === undefined ? -1 : labels.indexOf(picked);
    return index < 0 ? undefined : actions[index];
  }
}

/** What a recording sink stores for `show(…)`: the detail joined to the message. */
export function shownMessage(
  severity: Severity,
  message: string,
  actions: readonly string[],
  options: MessageOptions = {},
): ShownMessage {
  return {
    severity,
    message: options.detail ? `${message} ${options.detail}` : message,
    actions: [...actions],
    modal: !!options.modal,
  };
}
