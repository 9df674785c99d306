/**
 * Quiet success: a short status-bar message (3 s) instead of a notification, for things
 * the user just did and can see, such as copying to the clipboard. Logged too.
 */
import * as vscode from 'vscode';
import { log } from '../log';

export const QUIET_MESSAGE_MS = 3000;

export function confirmQuietly(text: string): void {
  log.info(text);
  vscode.window.setStatusBarMessage(text, QUIET_MESSAGE_MS);
}
