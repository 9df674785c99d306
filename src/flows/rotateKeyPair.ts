/**
 * Rotate Key Pair: a new pair replaces an old one everywhere it is used. Pure core: no
 * `vscode` import; every decision (the new pair, which servers, deleting the old pair) is
 * injected by the shell.
 *
 * Order, so that nothing is lost on failure:
 *  1. The new pair is created (the shell passes Create's flow).
 *  2. Every SSH config entry whose IdentityFile is the old private key is pointed at the new
 *     one; each file is replaced atomically and keeps its mode.
 *  3. On each chosen server the new key is installed with the old key, checked to log in, and
 *     only then the old key's line is removed (src/flows/remoteKeys.ts `rotateOnServer`).
 *  4. Only when `confirmDeleteOld(summary)` says so is the old pair deleted in the cloud, and
 *     its private key file only when that answer says so too.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { KeyFileError, removeKeyFiles, saveFileExclusive } from '../keys/keyFiles';
import { readConfigFile, RetargetedEntry, retargetIdentityFile, toSshConfigFileError } from '../keys/sshConfig';
import type { ServerAddress } from '../servers/addresses';
import { RemoteFailureKind, ServerRotationResult, SshRunOptions, SshTarget, rotateOnServer } from './remoteKeys';
import * as l10n from '../l10n';

/** The pair being replaced. */
export interface OldKeyPair {
  name: string;
  privatePath: string;
  /** Absent when unknown; defaults to `<privatePath>.pub` when deleting files. */
  publicPath?: string;
  /** One OpenSSH public key line. */
  publicKey: string;
}

/** The new pair, as Create's flow made it. */
export interface NewKeyPair {
  name: string;
  privatePath: string;
  publicKey: string;
}

/** A server that uses the old pair, and how to log in to it. */
export interface RotationServer {
  id: string;
  /** Display name (plain text; the shell makes it safe to show). */
  name: string;
  target: SshTarget;
  /** The address `target.host` was taken from, when known (for showing its kind). */
  address?: ServerAddress;
}

export interface ConfigChange {
  /** The file written (a symlink's target). */
  path: string;
  entries: RetargetedEntry[];
}

export interface ConfigFailure {
  path: string;
  message: string;
}

export interface ServerSummary {
  server: RotationServer;
  result: ServerRotationResult;
}

/** What worked and what did not, before the user decides about the old pair. */
export interface RotationSummary {
  oldPair: OldKeyPair;
  newPair: NewKeyPair;
  configChanges: ConfigChange[];
  configFailures: ConfigFailure[];
  servers: ServerSummary[];
}

/** The user's answer in the final modal. */
export type DeleteOldDecision = 'keep' | 'delete-pair' | 'delete-pair-and-private-key';

export interface RotateKeyPairOptions {
  oldPair: OldKeyPair;
  /** Creates the new pair (the shell passes Create's flow); undefined when the user cancelled. */
  createNewPair(): Promise<NewKeyPair | undefined>;
  /** The servers to update (the shell asks which). */
  servers: readonly RotationServer[];
  /** SSH config files to retarget (missing files are skipped). */
  configPaths: readonly string[];
  /** Deletes the old pair in the cloud; false when it was already gone. */
  deleteOldPairOnServer(name: string): Promise<boolean>;
  /** Asked once everything else is done; nothing of the old pair is deleted before. */
  confirmDeleteOld(summary: RotationSummary): Promise<DeleteOldDecision>;
  /** Home folder for `~` in configs (default: the user's). */
  home?: string;
  ssh?: SshRunOptions;
  /** Progress lines (never key material). */
  progress?(message: string): void;
}

export interface RotateKeyPairResult extends RotationSummary {
  decision: DeleteOldDecision;
  /** The old pair was deleted in the cloud (false when kept or already gone). */
  oldPairDeleted: boolean;
  /** The old private key file (and its .pub) were deleted. */
  oldFilesDeleted: boolean;
  /** Set when deleting the old pair or its files failed (the rest is done). */
  deleteError?: string;
}

/** The default name of the new pair: `<old>-<yyyymmdd>` (UTC date). */
export function defaultRotatedName(oldName: string, now: Date = new Date()): string {
  const yyyy = String(now.getUTCFullYear()).padStart(4, '0');
  const mm = String(now.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(now.getUTCDate()).padStart(2, '0');
  return `${oldName}-${yyyy}${mm}${dd}`;
}

/** True when every server took the new key and lost the old one. */
export function allServersRotated(summary: RotationSummary): boolean {
  return summary.servers.every((s) => s.result.error === undefined);
}

/** The failure kind of a server, if it failed. */
export function serverFailure(summary: ServerSummary): RemoteFailureKind | undefined {
  return summary.result.error?.kind;
}

/**
 * Points every IdentityFile of `oldPath` in `configPath` at `newPath`. A missing file (or
 * one of its folders missing or a file) is skipped (undefined). The file is replaced
 * atomically with its mode kept; a symlinked config is written at its target. Throws an
 * SshConfigFileError (a folder or a device at the path, no permission…): then the file is unchanged.
 */
export async function retargetConfigFile(
  configPath: string,
  change: { oldPath: string; newPath: string },
  home?: string,
): Promise<ConfigChange | undefined> {
  let target: string;
  try {
    target = await fs.realpath(path.resolve(configPath));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw await toSshConfigFileError(err, configPath);
  }
  const existing = await readConfigFile(target);
  if (!existing) return undefined;
  const { text, changed } = retargetIdentityFile(existing.content, change, home === undefined ? {} : { home });
  if (changed.length === 0) return { path: target, entries: [] };
  try {
    await saveFileExclusive(target, text, existing.mode, { overwrite: true });
  } catch (err) {
    throw await toSshConfigFileError(err, target);
  }
  return { path: target, entries: changed };
}

/**
 * Runs a rotation (see the file comment). Returns undefined when `createNewPair` was
 * cancelled: then nothing changed. Errors of `createNewPair` propagate (nothing changed).
 */
export async function rotateKeyPair(options: RotateKeyPairOptions): Promise<RotateKeyPairResult | undefined> {
  const say = (message: string): void => options.progress?.(message);
  say(l10n.t('Creating the new key pair…'));
  const newPair = await options.createNewPair();
  if (!newPair) return undefined;

  const configChanges: ConfigChange[] = [];
  const configFailures: ConfigFailure[] = [];
  for (const configPath of options.configPaths) {
    say(l10n.t('Updating {0}…', configPath));
    try {
      const change = await retargetConfigFile(
        configPath,
        { oldPath: options.oldPair.privatePath, newPath: newPair.privatePath },
        options.home,
      );
      if (change && change.entries.length > 0) configChanges.push(change);
    } catch (err) {
      const message = err instanceof KeyFileError ? err.message : err instanceof Error ? err.message : String(err);
      configFailures.push({ path: configPath, message });
    }
  }

  const servers: ServerSummary[] = [];
  for (const server of options.servers) {
    say(l10n.t('Updating server {0}…', server.name));
    const result = await rotateOnServer(
      server.target,
      {
        oldIdentityFile: options.oldPair.privatePath,
        oldPublicKey: options.oldPair.publicKey,
        newIdentityFile: newPair.privatePath,
        newPublicKey: newPair.publicKey,
      },
      options.ssh,
    );
    servers.push({ server, result });
  }

  const summary: RotationSummary = { oldPair: options.oldPair, newPair, configChanges, configFailures, servers };
  const decision = await options.confirmDeleteOld(summary);
  const result: RotateKeyPairResult = { ...summary, decision, oldPairDeleted: false, oldFilesDeleted: false };
  if (decision === 'keep') return result;
  try {
    say(l10n.t('Deleting the old key pair…'));
    result.oldPairDeleted = await options.deleteOldPairOnServer(options.oldPair.name);
  } catch (err) {
    // The old pair stays, so its private key file must stay too.
    result.deleteError = err instanceof Error ? err.message : String(err);
    return result;
  }
  if (decision === 'delete-pair-and-private-key') {
    try {
      await removeKeyFiles({
        privatePath: options.oldPair.privatePath,
        publicPath: options.oldPair.publicPath ?? `${options.oldPair.privatePath}.pub`,
      });
      result.oldFilesDeleted = true;
    } catch (err) {
      result.deleteError = err instanceof Error ? err.message : String(err);
    }
  }
  return result;
}
