/**
 * The settings only the flows read, apart from ./settings because they need core modules that
 * activation does not load (the SSH config tree, the key types): this file goes with the
 * commands' lazy chunks.
 */
import * as vscode from 'vscode';
import { KEY_TYPES, KeyType } from '../core/keys/generate';
import { sshHome } from '../core/ssh/config/paths';
import { chooseSshConfigTarget, SshConfigTarget } from '../core/ssh/config/tree';
import { SECTION, uiOnAnotherMachine } from './settings';

/** `keypairs.keyType`: the type of a key generated here; ed25519 unless set to ecdsa or rsa. */
export function keyType(): KeyType {
  const value = vscode.workspace.getConfiguration(SECTION).get<string>('keyType');
  return KEY_TYPES.find((t) => t === value) ?? 'ed25519';
}

/**
 * The one SSH config file every command reads and writes, on the workspace host: the user's own
 * `remote.SSH.configFile` (never a workspace's or folder's value, never a file inside an open
 * folder, not in a remote window), else `~/.ssh/config` (see chooseSshConfigTarget).
 */
export function sshConfigTarget(): SshConfigTarget {
  const inspected = vscode.workspace.getConfiguration('remote.SSH').inspect<string>('configFile');
  return chooseSshConfigTarget({
    userValue: inspected?.globalValue,
    workspaceValue: inspected?.workspaceFolderValue ?? inspected?.workspaceValue,
    workspaceFolders: (vscode.workspace.workspaceFolders ?? [])
      .filter((f) => f.uri.scheme === 'file')
      .map((f) => f.uri.fsPath),
    remote: uiOnAnotherMachine(vscode.env.remoteName),
    home: sshHome(),
  });
}
