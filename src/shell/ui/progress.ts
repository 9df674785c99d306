/** Progress notifications; a cancellable one's Cancel aborts the task's requests. */
import * as vscode from 'vscode';

/**
 * Runs `task` under a cancellable progress notification. Its signal aborts on the
 * notification's Cancel, or when `run` aborts (the command run's signal, CommandContext: the
 * window closing), so the task's HTTP requests stop either way. With `delayMs`, the
 * notification shows only when the task is still running by then: a check that usually takes
 * tens of milliseconds does not flash a toast (and cost the workbench a layout) each time.
 */
export function withCancellableProgress<T>(
  title: string,
  task: (signal: AbortSignal) => Promise<T>,
  run?: AbortSignal,
  options: { delayMs?: number } = {},
): Thenable<T> {
  const abort = new AbortController();
  const work = task(run ? AbortSignal.any([abort.signal, run]) : abort.signal);
  const show = () =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (_progress, token) => {
        const sub = token.onCancellationRequested(() => abort.abort());
        const end = (): void => {
          sub.dispose();
        };
        return work.then(end, end);
      },
    );
  if (!options.delayMs) {
    void show();
    return work;
  }
  let done = false;
  const timer = setTimeout(() => void (done || show()), options.delayMs);
  return work.finally(() => {
    done = true;
    clearTimeout(timer);
  });
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
