/** A cancellable progress notification whose Cancel aborts the task's requests. */
import * as vscode from 'vscode';

export function withCancellableProgress<T>(title: string, task: (signal: AbortSignal) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (_progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      return task(abort.signal).finally(() => {
        sub.dispose();
      });
    },
  );
}
