/**
 * The extension's settings, read fresh on each use (they can change at any time). The two that
 * need the SSH config and key modules are in ./flowSettings (loaded with the flows, not at
 * activation).
 */
import * as vscode from 'vscode';
import { expandHome } from '../core/keys/keyFiles';
import type { KeyGeneration } from '../core/flows/createKeyPair';

export const SECTION = 'keypairs';

export function endpointSetting(): string {
  return (vscode.workspace.getConfiguration(SECTION).get<string>('endpoint') ?? '').trim();
}

/** The SSH folder on the workspace host, `~` expanded there. */
export function sshDirectory(): string {
  const raw = (vscode.workspace.getConfiguration(SECTION).get<string>('sshDirectory') ?? '').trim();
  return expandHome(raw || '~/.ssh');
}

export function statusBarEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('statusBar') ?? true;
}

/** `keypairs.keyGeneration`: 'local' (the default) unless the user chose 'server'. */
export function keyGeneration(): KeyGeneration {
  return vscode.workspace.getConfiguration(SECTION).get<string>('keyGeneration') === 'server' ? 'server' : 'local';
}

/** `keypairs.passphrase`: true when Create asks for a passphrase for the new private key. */
export function askPassphrase(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<string>('passphrase') === 'ask';
}

/** Opens the Settings editor at one of this extension's settings. */
export function openSetting(key: string): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.${key}`);
}

/** Opens the Settings editor at VS Code's `http.proxy` (where proxy credentials go). */
export function openProxySetting(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', 'http.proxy');
}

/**
 * True in a window whose UI runs on another machine than the extension (Remote - SSH, WSL,
 * containers, tunnels: an authority `<name>+…`, so `remoteName` is a plain word). A browser
 * on a VS Code server (code-server) has `remoteName` = the server's `host:port`, and the
 * settings there are the workspace host's own.
 */
export function uiOnAnotherMachine(remoteName: string | undefined): boolean {
  return remoteName !== undefined && /^[a-z][a-z0-9-]*$/i.test(remoteName) && remoteName !== 'localhost';
}
