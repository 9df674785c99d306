/**
 * Key Pairs: Import Public Key — pick a `.pub` file of the SSH folder (or any file), check
 * it here (a malformed key is never sent), name it with the same validated input as
 * Create, and upload it (POST /os-keypairs with `public_key`).
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { ApiError } from '../api/errors';
import { ImportResult, importKeyPair, loadPublicKey } from '../flows/importKeyPair';
import { defaultImportName, listPublicKeyFiles, PublicKeyFile } from '../flows/localKeys';
import { displayPath } from '../keys/keyFiles';
import { PublicKeyError, PublicKeyInfo } from '../keys/publicKey';
import { log } from '../log';
import { showError } from '../messages';
import { sshDirectory } from '../settings';
import { askKeyPairName } from '../ui/nameInput';
import { notify } from '../ui/notify';
import { withCancellableProgress } from '../ui/progress';
import { openDialog, pick } from '../ui/prompts';
import { keyPairsChanged } from '../views/changes';
import { ensureSetup } from './setup';
import type { ManageContext } from './manage';

const TITLE = 'Import Public Key';
export const CHOOSE_FILE = 'Choose a file…';
export const ADD_TO_SSH_CONFIG = 'Add to SSH Config';

interface FileItem extends vscode.QuickPickItem {
  file?: PublicKeyFile;
}

export interface ImportCommandResult extends ImportResult {
  file: string;
  privatePath?: string;
}

export async function importCommand(ctx: ManageContext): Promise<ImportCommandResult | undefined> {
  const compute = await ensureSetup(ctx.services);
  if (!compute) return undefined;
  const dir = sshDirectory();
  const region = ctx.services.region();
  const where = region ? ` in ${region}` : '';

  const chosen = await chooseKey(dir);
  if (!chosen) return undefined;
  const { file, key, privatePath } = chosen;

  let microversion: string | undefined;
  try {
    microversion = (await compute.version()).microversion;
  } catch (err) {
    await showError(err, 'Reading your key pairs');
    return undefined;
  }
  let value = defaultImportName(key, file, microversion);
  let error: string | undefined;
  for (;;) {
    let name: string | undefined;
    try {
      name = await askKeyPairName({
        title: `${TITLE}${where}`,
        value,
        error,
        microversion,
        loadNames: async (signal) => (await compute.listAll({ signal })).map((k) => k.name),
      });
    } catch (err) {
      await showError(err, 'Reading your key pairs');
      return undefined;
    }
    if (name === undefined) return undefined;

    let result: ImportResult;
    try {
      result = await withCancellableProgress(`Importing public key as "${name}"${where}…`, (signal) =>
        importKeyPair({ compute, name: name as string, key, signal }),
      );
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'conflict') {
        value = name;
        error = err.serverMessage ?? `A key pair named "${name}" already exists.`;
        continue;
      }
      // An answer lost on the way may hide a pair that was created: let the view look.
      if (err instanceof ApiError && err.ambiguous) keyPairsChanged();
      await showError(err, `Importing public key as "${name}"${where}`);
      return undefined;
    }
    keyPairsChanged();
    announce(result, file, privatePath, where);
    return { ...result, file, privatePath };
  }
}

/** The key to import: a listed `.pub` file or one chosen with the open dialog, parsed. */
async function chooseKey(dir: string): Promise<{ file: string; key: PublicKeyInfo; privatePath?: string } | undefined> {
  const files = (await listPublicKeyFiles(dir)).filter((f) => f.key);
  const items: FileItem[] = files.map((f) => ({
    label: f.file,
    description: f.key!.comment ? `${f.key!.type} ${f.key!.comment}` : f.key!.type,
    detail: `MD5:${f.fingerprint}`,
    file: f,
  }));
  if (items.length > 0) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: CHOOSE_FILE, iconPath: new vscode.ThemeIcon('folder-opened'), alwaysShow: true });
  const picked = await pick(items, {
    title: TITLE,
    placeHolder: files.length > 0 ? `Choose a public key from ${displayPath(dir)}` : `No public keys in ${displayPath(dir)}: choose a file`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  if (picked.file?.key) {
    return { file: picked.file.publicPath, key: picked.file.key, privatePath: picked.file.privatePath };
  }

  const uris = await openDialog({
    title: TITLE,
    openLabel: 'Import',
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    defaultUri: vscode.Uri.file(dir),
    filters: { 'Public keys': ['pub'], 'All files': ['*'] },
  });
  const uri = uris?.[0];
  if (!uri) return undefined;
  const file = uri.fsPath;
  let key: PublicKeyInfo;
  try {
    key = await loadPublicKey(file);
  } catch (err) {
    if (err instanceof PublicKeyError) {
      void notify('error', `${displayPath(file)} can't be imported. ${err.message}`);
    } else {
      void notify('error', `${displayPath(file)} could not be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
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

function announce(result: ImportResult, file: string, privatePath: string | undefined, where: string): void {
  const { keyPair } = result;
  log.info(`imported ${displayPath(file)} as "${keyPair.name}" ${keyPair.fingerprint} (local ${result.localFingerprint})`);
  const actions = privatePath ? [ADD_TO_SSH_CONFIG] : [];
  const message = result.matches
    ? `Key pair "${keyPair.name}" imported${where} from ${displayPath(file)} (${keyPair.fingerprint}); the fingerprint matches the local key.`
    : `Key pair "${keyPair.name}" imported${where} from ${displayPath(file)}, but the server's fingerprint ${keyPair.fingerprint} does not match the local key's ${result.localFingerprint}.`;
  // Not awaited: the notification may stay open long after the command is done.
  void notify(result.matches ? 'info' : 'warning', message, actions).then(async (picked) => {
    if (picked === ADD_TO_SSH_CONFIG && privatePath) {
      await vscode.commands.executeCommand('keypairs.addToSshConfig', { name: keyPair.name, privatePath });
    }
  });
}
