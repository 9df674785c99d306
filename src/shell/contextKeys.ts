/**
 * The context keys the extension keeps for menus, the palette, welcome views and the
 * walkthrough. Every key goes through {@link setContextKey}, which also remembers the last
 * value (what Test mode reads: VS Code has no API to read a context key back).
 */
import * as vscode from 'vscode';

export const CONTEXT = {
  /** Signed in to an account (Sign Out, Select Region; Set API Token hidden). */
  signedIn: 'keypairs.signedIn',
  /** An API token is stored (Clear API Token). */
  tokenSet: 'keypairs.tokenSet',
  /** Walkthrough steps, set once the step's command succeeded. */
  created: 'keypairs.walkthrough.created',
  addedToSshConfig: 'keypairs.walkthrough.addedToSshConfig',
  connected: 'keypairs.walkthrough.connected',
} as const;

const values = new Map<string, unknown>();

/** The values set so far in this window, by key. */
export const contextKeyValues: ReadonlyMap<string, unknown> = values;

/** Sets `key` (a change makes the workbench evaluate its menus again: unchanged values are not sent). */
export function setContextKey(key: string, value: unknown): void {
  if (values.has(key) && values.get(key) === value) return;
  values.set(key, value);
  void vscode.commands.executeCommand('setContext', key, value);
}
