/**
 * Key Pairs: Create Server Key Pair — name (validated as typed), POST /os-keypairs with a
 * cancellable progress, private key saved 0600 and public key opened in an editor.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ApiError } from '../api/errors';
import { ComputeClient } from '../api/compute';
import { createKeyPair, CreateKeyPairResult, SavedKeyFiles } from '../flows/createKeyPair';
import { displayPath, KeyFileError, saveFileExclusive } from '../keys/keyFiles';
import { log } from '../log';
import { showError } from '../messages';
import { Services } from '../services';
import { ensureSetup } from './setup';
import { keyGeneration, sshDirectory } from '../settings';
import { askKeyPairName, refocusNameInput } from '../ui/nameInput';
import { notify } from '../ui/notify';
import { saveDialog } from '../ui/prompts';
import { withCancellableProgress } from '../ui/progress';
import { keyPairsChanged } from '../views/changes';

const TITLE = 'Create Server Key Pair';
let running = false;

/** Runs the create flow; a second trigger while one runs only brings its input back. */
export async function createCommand(services: Services): Promise<CreateKeyPairResult | undefined> {
  if (running) {
    if (!refocusNameInput()) log.info('Create Server Key Pair is already running.');
    return undefined;
  }
  running = true;
  try {
    const compute = await ensureSetup(services);
    return compute ? await runCreate(compute, services.region()) : undefined;
  } finally {
    running = false;
  }
}

/** `region`: the signed-in account's region, named in the title and messages. */
async function runCreate(compute: ComputeClient, region: string | undefined): Promise<CreateKeyPairResult | undefined> {
  const where = region ? ` in ${region}` : '';
  const dir = sshDirectory();
  let value: string | undefined;
  let error: string | undefined;
  for (;;) {
    let name: string | undefined;
    try {
      const version = await compute.version();
      name = await askKeyPairName({
        title: region ? `${TITLE} in ${region}` : TITLE,
        value,
        error,
        sshDirectory: dir,
        microversion: version.microversion,
        loadNames: async (signal) => (await compute.listAll({ signal })).map((k) => k.name),
      });
    } catch (err) {
      await showError(err, 'Reading your key pairs');
      return undefined;
    }
    if (name === undefined) return undefined;

    try {
      const result = await withCancellableProgress(`Creating key pair "${name}"${where}…`, (signal) =>
        createKeyPair({
          compute,
          name: name as string,
          sshDirectory: dir,
          generation: keyGeneration(),
          signal,
          rescue: saveElsewhere,
          log: (line) => log.info(line),
        }),
      );
      await announce(result, where);
      return result;
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'conflict') {
        // Taken meanwhile (or by another client): ask again, with the server's words.
        value = name;
        error = err.serverMessage ?? `A key pair named "${name}" already exists.`;
        continue;
      }
      await showError(err, `Creating key pair "${name}"${where}`);
      return undefined;
    }
  }
}

/**
 * The key files could not be written where they belong: offer Save As… for the private
 * key (the public key goes next to it). Undefined when the user declines.
 */
async function saveElsewhere(
  problem: KeyFileError,
  key: { privateKey: string; publicKey: string; fileBase: string },
): Promise<SavedKeyFiles | undefined> {
  const saveAs = 'Save As…';
  const answer = await notify(
    'error',
    `The new private key could not be saved: ${problem.message} It exists only now: save it elsewhere, or the key pair is deleted from the server.`,
    [saveAs],
    { modal: true },
  );
  if (answer !== saveAs) return undefined;
  for (;;) {
    const target = await saveDialog({
      title: 'Save the private key',
      saveLabel: 'Save Private Key',
      defaultUri: vscode.Uri.file(path.join(os.homedir(), key.fileBase)),
    });
    if (!target) return undefined;
    try {
      await saveFileExclusive(target.fsPath, key.privateKey, 0o600, { overwrite: true });
    } catch (err) {
      const retry = 'Choose Another Place';
      const msg = err instanceof KeyFileError ? err.message : String(err);
      if ((await notify('error', `Saving to ${displayPath(target.fsPath)} failed: ${msg}`, [retry], { modal: true })) !== retry) {
        return undefined;
      }
      continue;
    }
    const publicPath = `${target.fsPath}.pub`;
    try {
      await saveFileExclusive(publicPath, `${key.publicKey}\n`, 0o644);
      return { privatePath: target.fsPath, publicPath };
    } catch {
      // The private key is what matters; the public key is shown in an editor anyway.
      return { privatePath: target.fsPath };
    }
  }
}

/** Opens the public key and says where both keys are, with the fingerprint. */
async function announce(result: CreateKeyPairResult, where: string): Promise<void> {
  const doc = result.publicPath
    ? await vscode.workspace.openTextDocument(vscode.Uri.file(result.publicPath))
    : await vscode.workspace.openTextDocument({ content: `${result.publicKey}\n` });
  await vscode.window.showTextDocument(doc, { preview: false });
  log.info(`created "${result.name}" (${result.generation} key) ${result.fingerprint} → ${result.privatePath}`);

  if (result.fingerprintMismatch) {
    const { server, computed } = result.fingerprintMismatch;
    void notify(
      'warning',
      `The fingerprint of key pair "${result.name}" does not match its public key: the server says ${server}, the key gives ${computed}.`,
    );
  }
  keyPairsChanged();
  const copy = 'Copy Public Key';
  const reveal = 'Reveal Private Key';
  const sshConfig = 'Add to SSH Config';
  // Not awaited: the notification may stay open long after the command is done.
  void notify(
    'info',
    `Key pair "${result.name}" created${where} (${result.fingerprint}). Private key saved to ${displayPath(result.privatePath)}.`,
    [copy, reveal, sshConfig],
  ).then(async (picked) => {
    if (picked === copy) {
      await vscode.env.clipboard.writeText(result.publicKey);
    } else if (picked === reveal) {
      const uri = vscode.Uri.file(result.privatePath);
      await vscode.commands.executeCommand(vscode.env.remoteName ? 'revealInExplorer' : 'revealFileInOS', uri);
    } else if (picked === sshConfig) {
      await vscode.commands.executeCommand('keypairs.addToSshConfig', { name: result.name, privatePath: result.privatePath });
    }
  });
}
