/**
 * Key Pairs: Delete Key Pair… — a modal confirmation naming the pair and the account;
 * deleting the local key files is a separate, explicit choice (never the default).
 */
import * as vscode from 'vscode';
import * as l10n from '../../core/base/l10n';
import { displayPath, removeKeyFiles } from '../../core/keys/keyFiles';
import { HostEntryInfo, ownedEntriesUsing, removeOwnedEntriesFromFile } from '../../core/ssh/hostEntries';
import { readConfigFile } from '../../core/ssh/config/file';
import { sshConfigTarget } from '../flowSettings';
import { log } from '../log';
import { showError } from '../messages';
import { CommandContext } from './context';
import { withCancellableProgress } from '../ui/progress';
import { pickKeyPair } from './pickKeyPair';
import { ensureSetup } from './setup';

export const DELETE = l10n.label('Delete Key Pair');
export const DELETE_WITH_FILES = l10n.label('Delete Key Pair and Local Files');
export const DELETE_WITH_FILES_AND_HOSTS = l10n.label('Delete Key Pair, Local Files and Host Entries');

/** 'deleted', 'gone' (it was already deleted: 404), or undefined (cancelled or failed). */
export type DeleteOutcome = 'deleted' | 'gone' | undefined;

export async function deleteCommand(ctx: CommandContext, arg?: unknown): Promise<DeleteOutcome> {
  const node = await pickKeyPair(ctx, arg, { title: vscode.l10n.t('Delete Key Pair') });
  if (!node) return undefined;
  const compute = await ensureSetup(ctx);
  if (!compute) return undefined;

  const name = node.keyPair.name;
  const where = ctx.services.targetLabel() ?? compute.endpoint;
  const files = node.local ? [node.local.privatePath, node.local.publicPath] : [];
  const shownFiles = files.map((f) => displayPath(f)).join(vscode.l10n.t(' and '));
  const configPath = sshConfigTarget().path;
  const hosts = node.local ? await hostEntriesUsing(configPath, node.local.privatePath) : [];
  const withFiles = hosts.length > 0 ? DELETE_WITH_FILES_AND_HOSTS : DELETE_WITH_FILES;
  const detail =
    vscode.l10n.t(
      'Servers that already use it keep working, but new servers can no longer be created with it. This cannot be undone.',
    ) +
    (node.local
      ? vscode.l10n.t(
          ' The local key files ({0}) are kept unless you choose "{1}".',
          shownFiles,
          vscode.l10n.t(withFiles),
        )
      : '') +
    (hosts.length > 0
      ? vscode.l10n.t(
          ' That choice also removes the Host entries this extension wrote for the key in {0}: {1}.',
          displayPath(configPath),
          hosts.map((h) => h.alias).join(', '),
        )
      : '');
  const answer = await ctx.messages.show(
    'warning',
    vscode.l10n.t('Delete key pair "{0}" from {1}?', name, where),
    node.local ? [DELETE, withFiles] : [DELETE],
    { modal: true, detail },
  );
  if (answer !== DELETE && answer !== withFiles) return undefined;

  let existed: boolean;
  try {
    existed = await withCancellableProgress(
      vscode.l10n.t('Deleting key pair "{0}"…', name),
      (signal) => compute.delete(name, signal),
      ctx.signal,
    );
  } catch (err) {
    // A delete cut short may still have happened: let the view look again.
    ctx.services.keyPairsChanged();
    void showError(ctx.messages, err, vscode.l10n.t('Deleting key pair "{0}"', name));
    return undefined;
  }
  ctx.services.keyPairsChanged();
  log.info(existed ? `deleted key pair "${name}" from ${where}` : `key pair "${name}" was already gone from ${where}`);
  const outcome = existed ? 'deleted' : 'gone';
  const said = existed
    ? vscode.l10n.t('Key pair "{0}" deleted from {1}.', name, where)
    : vscode.l10n.t('Key pair "{0}" was already deleted from {1}.', name, where);

  if (answer === withFiles && node.local) {
    try {
      await removeKeyFiles({ privatePath: node.local.privatePath, publicPath: node.local.publicPath });
    } catch (err) {
      void ctx.messages.show('info', said);
      void showError(ctx.messages, err, vscode.l10n.t('Deleting the local key files of "{0}"', name));
      return outcome;
    }
    log.info(`deleted local key files ${shownFiles}`);
    let removed: string[] = [];
    if (hosts.length > 0) {
      try {
        removed = await removeOwnedEntriesFromFile(
          configPath,
          hosts.map((h) => h.alias),
        );
        log.info(`removed Host entries ${removed.join(', ')} from ${configPath}`);
      } catch (err) {
        void ctx.messages.show('info', vscode.l10n.t('{0} Deleted {1}.', said, shownFiles));
        void showError(ctx.messages, err, vscode.l10n.t('Removing the Host entries of "{0}"', name));
        return outcome;
      }
    }
    void ctx.messages.show(
      'info',
      removed.length > 0
        ? vscode.l10n.t('{0} Deleted {1} and the Host entries {2}.', said, shownFiles, removed.join(', '))
        : vscode.l10n.t('{0} Deleted {1}.', said, shownFiles),
    );
    return outcome;
  }
  void ctx.messages.show('info', said);
  return outcome;
}

/** The Host entries this extension wrote that use the key; none when the config can't be read (logged). */
async function hostEntriesUsing(configPath: string, privatePath: string): Promise<HostEntryInfo[]> {
  try {
    const read = await readConfigFile(configPath);
    return read ? ownedEntriesUsing(read.content, privatePath) : [];
  } catch (err) {
    log.warn(`reading the SSH config for Delete failed: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  }
}
