/**
 * The "Server Key Pairs" log (a LogOutputChannel), created on first use. Lines come from
 * the core (one per request: method, redacted URL, status, ms) and the commands; no
 * token or key material is ever passed here. `onDidWrite` fires with each line
 * (`info …`, `warn …`, `error …`), for whoever wants to follow it.
 */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;
const written = new vscode.EventEmitter<string>();

function write(level: 'info' | 'warn' | 'error', line: string): void {
  channel ??= vscode.window.createOutputChannel('Server Key Pairs', { log: true });
  channel[level](line);
  written.fire(`${level} ${line}`);
}

export const log = {
  info: (line: string) => write('info', line),
  warn: (line: string) => write('warn', line),
  error: (line: string) => write('error', line),
  onDidWrite: written.event,
  show(): void {
    channel?.show(true);
  },
  dispose(): void {
    channel?.dispose();
    channel = undefined;
  },
};
