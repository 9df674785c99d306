/**
 * When a terminal the extension opened is under way: what is not urgent (a note, a walkthrough
 * tick) waits for it, so that the workbench builds the terminal first.
 */
import * as vscode from 'vscode';

/** What is not urgent waits for the terminal's process this long at most: a process that never starts never has an id. */
const SETTLE_MS = 3_000;

/**
 * Resolves once the terminal's process has started, or after {@link SETTLE_MS} (a process that
 * could not start: ssh missing, a starting folder that is gone), or once the terminal closed:
 * false only when the user closed it (nothing more to say about it then).
 */
export function terminalStarted(terminal: vscode.Terminal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (open: boolean) => {
      clearTimeout(timer);
      closed.dispose();
      resolve(open);
    };
    const timer = setTimeout(() => done(true), SETTLE_MS);
    const closed = vscode.window.onDidCloseTerminal(
      (t) => t === terminal && done(t.exitStatus?.reason !== vscode.TerminalExitReason.User),
    );
    Promise.resolve(terminal.processId).then(
      () => done(true),
      () => done(true),
    );
  });
}
