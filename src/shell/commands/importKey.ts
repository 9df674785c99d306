/**
 * Key Pairs: Import Public Key — pick a `.pub` file of the SSH folder (or any file), check
 * it here (a malformed key is never sent), name it with the same validated input as
 * Create, and upload it (POST /os-keypairs with `public_key`).
 */
import * as l10n from '../../core/base/l10n';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { sha256Fingerprint } from '../../core/keys/fingerprint';
import { ApiError } from '../../core/api/errors';
import { ImportResult, importKeyPair, loadPublicKey } from '../../core/flows/importKeyPair';
import { defaultImportName, listPublicKeyFiles, PublicKeyFile } from '../../core/keys/localKeys';
import { displayPath } from '../../core/keys/keyFiles';
import { PublicKeyError, PublicKeyInfo } from '../../core/keys/publicKey';
import { log } from '../log';
import { showError } from '../messages';
import { CommandContext } from './context';
import { sshDirectory } from '../settings';
import { withCancellableProgress } from '../ui/progress';
import { BACK, PickItem } from '../ui/userInput';
import { COMMAND } from '../../core/base/commandIds';
import { askNameAndSubmit, NamedFailure, readMicroversion } from './nameLoop';
import { ensureSetup } from './setup';

const TITLE = l10n.label('Import Public Key');
export const CHOOSE_FILE = l10n.label('Choose a file…');
export const ADD_TO_SSH_CONFIG = l10n.label('Add to SSH Config');

export interface ImportCommandResult extends ImportResult {
  file: string;
  privatePath?: string;
}

export async function importCommand(ctx: CommandContext): Promise<ImportCommandResult | undefined> {
  const compute = await ensureSetup(ctx);
  if (!compute) return undefined;
  const dir = sshDirectory();
  const region = ctx.services.region();
  const where = region ? vscode.l10n.t(' in {0}', region) : '';

  const chosen = await chooseKey(ctx, dir);
  if (!chosen) return undefined;
  const { file, key, privatePath } = chosen;

  const version = await readMicroversion(ctx, compute);
  if (!version) return undefined;
  const { microversion } = version;
  let imported;
  try {
    imported = await askNameAndSubmit(ctx, {
      compute,
      title: `${vscode.l10n.t(TITLE)}${where}`,
      value: defaultImportName(key, file, microversion),
      microversion,
      submit: (name) =>
        withCancellableProgress(
          vscode.l10n.t('Importing public key as "{0}"{1}…', name, where),
          (signal) => importKeyPair({ compute, name, key, signal }),
          ctx.signal,
        ),
    });
  } catch (err) {
    if (!(err instanceof NamedFailure)) throw err;
    // An answer lost on the way may hide a pair that was created: let the view look.
    if (err.reason instanceof ApiError && err.reason.ambiguous) ctx.services.keyPairsChanged();
    void showError(ctx.messages, err.reason, vscode.l10n.t('Importing public key as "{0}"{1}', err.keyPairName, where));
    return undefined;
  }
  if (!imported || imported === BACK) return undefined;
  ctx.services.keyPairsChanged();
  announce(ctx, imported.result, file, privatePath, where);
  return { ...imported.result, file, privatePath };
}

/** The key to import: a listed `.pub` file or one chosen with the open dialog, parsed. */
async function chooseKey(
  ctx: CommandContext,
  dir: string,
): Promise<{ file: string; key: PublicKeyInfo; privatePath?: string } | undefined> {
  const files = await listPublicKeyFiles(dir);
  const items: Array<PickItem<{ file: PublicKeyFile; key: PublicKeyInfo } | 'choose'>> = files.flatMap((f) =>
    f.key
      ? [
          {
            label: f.file,
            description: f.key.comment ? `${f.key.type} ${f.key.comment}` : f.key.type,
            detail: `MD5:${f.fingerprint} · ${sha256Fingerprint(f.key.blob)}`,
            value: { file: f, key: f.key },
          },
        ]
      : [],
  );
  const listed = items.length > 0;
  if (listed) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator, value: 'choose' });
  items.push({
    label: vscode.l10n.t(CHOOSE_FILE),
    iconPath: new vscode.ThemeIcon('folder-opened'),
    alwaysShow: true,
    value: 'choose',
  });
  const picked = await ctx.ui.pick({
    title: vscode.l10n.t(TITLE),
    placeholder: listed
      ? vscode.l10n.t('Choose a public key from {0}', displayPath(dir))
      : vscode.l10n.t('No public keys in {0}: choose a file', displayPath(dir)),
    items,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked === undefined || picked === BACK) return undefined;
  if (picked !== 'choose')
    return { file: picked.file.publicPath, key: picked.key, privatePath: picked.file.privatePath };

  const uris = await ctx.ui.openDialog({
    title: vscode.l10n.t(TITLE),
    openLabel: 'Import',
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    defaultUri: vscode.Uri.file(dir),
    filters: { [vscode.l10n.t('Public keys')]: ['pub'], [vscode.l10n.t('All files')]: ['*'] },
  });
  const uri = uris?.[0];
  if (!uri) return undefined;
  const file = uri.fsPath;
  let key: PublicKeyInfo;
  try {
    key = await loadPublicKey(file);
  } catch (err) {
    if (err instanceof PublicKeyError) {
      void ctx.messages.show('error', vscode.l10n.t("{0} can't be imported. {1}", displayPath(file), err.message));
    } else {
      const why = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
      void ctx.messages.show('error', vscode.l10n.t('{0} could not be read: {1}.', displayPath(file), why));
    }
    return undefined;
  }
  const sibling = file.endsWith('.pub') ? file.slice(0, -4) : undefined;
  const privatePath = sibling && (await isFile(sibling)) ? sibling : undefined;
  return { file, key, privatePath };
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

function announce(
  ctx: CommandContext,
  result: ImportResult,
  file: string,
  privatePath: string | undefined,
  where: string,
): void {
  const { keyPair } = result;
  log.info(
    `imported ${displayPath(file)} as "${keyPair.name}" ${keyPair.fingerprint} (local ${result.localFingerprint})`,
  );
  const actions = privatePath ? [ADD_TO_SSH_CONFIG] : [];
  const message = result.matches
    ? vscode.l10n.t(
        'Key pair "{0}" imported{1} from {2} ({3}); the fingerprint matches the local key.',
        keyPair.name,
        where,
        displayPath(file),
        keyPair.fingerprint,
      )
    : vscode.l10n.t(
        'Key pair "{0}" imported{1} from {2}, but the server\'s fingerprint {3} does not match the local key\'s {4}.',
        keyPair.name,
        where,
        displayPath(file),
        keyPair.fingerprint,
        result.localFingerprint,
      );
  // Not awaited: the notification may stay open long after the command is done.
  void ctx.messages.show(result.matches ? 'info' : 'warning', message, actions).then(async (picked) => {
    if (picked === ADD_TO_SSH_CONFIG && privatePath) {
      await vscode.commands.executeCommand(COMMAND.addToSshConfig, { name: keyPair.name, privatePath });
    }
  });
}
