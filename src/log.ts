/**
 * The "Server Key Pairs" log (a LogOutputChannel), created on first use. Lines come from
 * the core (one per request: method, redacted URL, status, ms) and the commands; no
 * token or key material is ever passed here.
 */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;
let tap: ((line: string) => void) | undefined;

function write(level: 'info' | 'warn' | 'error', line: string): void {
  channel ??= vscode.window.createOutputChannel('Server Key Pairs', { log: true });
  channel[level](line);
  tap?.(`${level} ${line}`);
}

export const log = {
  info: (line: string) => write('info', line),
  warn: (line: string) => write('warn', line),
  error: (line: string) => write('error', line),
  show(): void {
    channel?.show(true);
  },
  dispose(): void {
    channel?.dispose();
    channel = undefined;
  },
};

/** Test mode: receive a copy of every line (the secret-hygiene tests scan them). */
export function tapLog(fn: ((line: string) => void) | undefined): void {
  tap = fn;
}
