/** Progress notifications; a cancellable one's Cancel aborts the task's requests. */
import * as vscode from 'vscode';

/**
 * Runs `task` under a cancellable progress notification. Its signal aborts on the
 * notification's Cancel, or when `run` aborts (the command run's signal, CommandContext: the
 * window closing), so the task's HTTP requests stop either way.
 */
export function withCancellableProgress<T>(
  title: string,
  task: (signal: AbortSignal) => Promise<T>,
  run?: AbortSignal,
): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (_progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      return task(run ? AbortSignal.any([abort.signal, run]) : abort.signal).finally(() => {
        sub.dispose();
      });
    },
  );
}

/**
 * A progress notification shown from `start()` until `end()` (both may be called more than
 * once), its message set by `report`; not cancellable (the flow it follows stops by itself).
 */
export function withProgressUntil(title: string): { start(): void; report(message: string): void; end(): void } {
  let report: (message: string) => void = () => undefined;
  let end: () => void = () => undefined;
  return {
    start: () => {
      const done = new Promise<void>((resolve) => (end = resolve));
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, (progress) => {
        report = (message) => progress.report({ message });
        return done;
      });
    },
    report: (message) => report(message),
    end: () => end(),
  };
}
