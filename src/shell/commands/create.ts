/**
 * Key Pairs: Create Server Key Pair — name (validated as typed), POST /os-keypairs with a
 * cancellable progress, private key saved 0600 and public key opened in an editor.
 */
import * as l10n from '../../core/base/l10n';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ComputeClient } from '../../core/api/compute';
import { listServers } from '../../core/api/servers';
import { createKeyPair, CreateKeyPairResult, KeyTypeRefusedError, SavedKeyFiles } from '../../core/flows/createKeyPair';
import type { KeyPairNode, ServerNode } from '../../core/flows/keyPairList';
import { groupServersByKey, serversOfKey } from '../../core/servers/group';
import { fingerprints } from '../../core/keys/fingerprint';
import { addToAgent, AgentError } from '../../core/ssh/agent';
import { encryptPrivateKey, PrivateKeyError } from '../../core/keys/opensshKey';
import { confirmQuietly } from '../ui/quiet';
import { BACK } from '../ui/userInput';
import { displayPath, KeyFileError, saveFileExclusive } from '../../core/keys/keyFiles';
import { log } from '../log';
import { showError } from '../messages';
import { Services } from '../services';
import { askPassphrase, keyGeneration, sshDirectory } from '../settings';
import { keyType } from '../flowSettings';
import { withCancellableProgress } from '../ui/progress';
import { revealFile } from '../ui/reveal';
import { COMMAND } from '../../core/base/commandIds';
import type { ServerChoice } from './connect';
import { askNameAndSubmit, NamedFailure, readMicroversion } from './nameLoop';
import { ensureSetup } from './setup';

const TITLE = l10n.label('Create Server Key Pair');
export const COPY_PUBLIC_KEY = l10n.label('Copy Public Key');
export const REVEAL_PRIVATE_KEY = l10n.label('Reveal Private Key');
export const ADD_TO_SSH_CONFIG = l10n.label('Add to SSH Config');
export const CONNECT = l10n.label('Connect…');
/** How long the created message waits for the server list that decides about its Connect button. */
const SERVER_LIST_TIMEOUT_MS = 15_000;
let running = false;

/**
 * Runs the create flow; a second trigger while one runs only brings its input back. The
 * guard is held only while the flow runs: no message is awaited inside it.
 */
export async function createCommand(services: Services): Promise<CreateKeyPairResult | undefined> {
  if (running) {
    if (!services.ui.refocusKeyPairName()) log.info('Create Server Key Pair is already running.');
    return undefined;
  }
  running = true;
  try {
    const compute = await ensureSetup(services);
    return compute ? await runCreate(services, compute, services.region()) : undefined;
  } finally {
    running = false;
  }
}

/** `region`: the signed-in account's region, named in the title and messages. */
async function runCreate(
  services: Services,
  compute: ComputeClient,
  region: string | undefined,
): Promise<CreateKeyPairResult | undefined> {
  const where = region ? vscode.l10n.t(' in {0}', region) : '';
  const dir = sshDirectory();
  const version = await readMicroversion(services, compute);
  if (!version) return undefined;
  const { microversion } = version;
  let passphrase: string | undefined;
  if (askPassphrase()) {
    const answer = await askForPassphrase(services, region ? `${TITLE} in ${region}` : TITLE);
    if (answer === undefined) return undefined;
    passphrase = answer || undefined;
  }
  let created;
  try {
    created = await askNameAndSubmit(services, {
      compute,
      title: region ? vscode.l10n.t('{0} in {1}', vscode.l10n.t(TITLE), region) : vscode.l10n.t(TITLE),
      sshDirectory: dir,
      microversion,
      submit: (name) =>
        withCancellableProgress(vscode.l10n.t('Creating key pair "{0}"{1}…', name, where), (signal) =>
          createKeyPair({
            compute,
            name,
            sshDirectory: dir,
            generation: keyGeneration(),
            keyType: keyType(),
            onKeyTypeRefused: (refused) => offerRsa(services, name, refused),
            passphrase,
            protectPrivateKey: passphrase ? (text) => encryptPrivateKey(text, passphrase, name) : undefined,
            signal,
            rescue: (problem, key) => saveElsewhere(services, problem, key),
            log: (line) => log.info(line),
          }),
        ),
    });
  } catch (err) {
    if (!(err instanceof NamedFailure)) throw err;
    if (err.reason instanceof KeyTypeRefusedError && err.reason.declined) {
      log.info(`create of "${err.keyPairName}": the cloud refused ${err.reason.keyType} and RSA was declined`);
      return undefined;
    }
    void showError(services.messages, err.reason, vscode.l10n.t('Creating key pair "{0}"{1}', err.keyPairName, where));
    return undefined;
  }
  if (!created) return undefined;
  // Created and saved: whatever fails from here on is not a failed create.
  services.keyPairsChanged();
  const servers = await serversUsing(compute, created.result);
  await announce(services, created.result, where, passphrase, servers);
  return created.result;
}

/**
 * The servers of the current region already booted with the new pair's name (one server
 * list), for the created message's Connect button. A failure costs only the button: it is
 * logged, never shown, and the create stays a success.
 */
async function serversUsing(compute: ComputeClient, result: CreateKeyPairResult): Promise<ServerNode[]> {
  try {
    const list = await listServers(compute, { signal: AbortSignal.timeout(SERVER_LIST_TIMEOUT_MS) });
    const keyPair: KeyPairNode = {
      kind: 'keypair',
      keyPair: { name: result.name, publicKey: result.publicKey, fingerprint: result.fingerprint },
      local: {
        privatePath: result.privatePath,
        publicPath: result.publicPath ?? `${result.privatePath}.pub`,
        fingerprint: result.fingerprint,
      },
    };
    return serversOfKey(groupServersByKey(list.servers), result.name).map((server): ServerNode => ({
      kind: 'server',
      server,
      keyPair,
    }));
  } catch (err) {
    log.warn(`listing the servers of "${result.name}" failed: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  }
}

/**
 * The optional passphrase for the new private key, typed twice in password boxes: '' for
 * none, undefined when the user cancelled. It is kept in memory only.
 */
export async function askForPassphrase(services: Services, title: string): Promise<string | undefined> {
  for (;;) {
    const first = await services.ui.input({
      title,
      prompt: vscode.l10n.t('Passphrase for the new private key (optional: leave empty for none)'),
      password: true,
    });
    if (first === undefined || first === BACK) return undefined;
    if (first === '') return '';
    const again = await services.ui.input({
      title,
      prompt: vscode.l10n.t('Type the passphrase again'),
      password: true,
      validate: (value) =>
        value === first || first.startsWith(value) ? undefined : vscode.l10n.t('The passphrases do not match.'),
    });
    if (again === undefined) return undefined;
    if (again === BACK) continue;
    if (again === first) return first;
  }
}

/**
 * The cloud refused the new key's type (an older Nova cannot fingerprint ed25519): asks once
 * whether to create an RSA 4096 key instead. Nothing was left on either side.
 */
async function offerRsa(services: Services, name: string, refused: string): Promise<boolean> {
  const useRsa = vscode.l10n.t('Create RSA 4096 Key');
  const answer = await services.messages.show(
    'warning',
    vscode.l10n.t('The cloud does not accept {0} keys. Create an RSA 4096 key for "{1}" instead?', refused, name),
    [useRsa],
    {
      modal: true,
      detail: vscode.l10n.t(
        'Nothing was created: the {0} key was not kept, here or on the server. Set "keypairs.keyType" to "rsa" to be asked no more.',
        refused,
      ),
    },
  );
  return answer === useRsa;
}

/**
 * The key files could not be written where they belong: offer Save As… for the private
 * key (the public key goes next to it). Undefined when the user declines. Modal on
 * purpose: the private key exists only now.
 */
async function saveElsewhere(
  services: Services,
  problem: KeyFileError,
  key: { privateKey: string; publicKey: string; fileBase: string },
): Promise<SavedKeyFiles | undefined> {
  const saveAs = vscode.l10n.t('Save As…');
  const answer = await services.messages.show(
    'error',
    vscode.l10n.t(
      'The new private key could not be saved: {0} It exists only now: save it elsewhere, or the key pair is deleted from the server.',
      problem.message,
    ),
    [saveAs],
    { modal: true },
  );
  if (answer !== saveAs) return undefined;
  for (;;) {
    const target = await services.ui.saveDialog({
      title: vscode.l10n.t('Save the private key'),
      saveLabel: vscode.l10n.t('Save Private Key'),
      defaultUri: vscode.Uri.file(path.join(os.homedir(), key.fileBase)),
    });
    if (!target) return undefined;
    try {
      await saveFileExclusive(target.fsPath, key.privateKey, 0o600, { overwrite: true });
    } catch (err) {
      const retry = vscode.l10n.t('Choose Another Place');
      const msg = err instanceof KeyFileError ? err.message : String(err);
      const again = await services.messages.show(
        'error',
        vscode.l10n.t('Saving to {0} failed: {1}', displayPath(target.fsPath), msg),
        [retry],
        { modal: true },
      );
      if (again !== retry) return undefined;
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

/** `aa:bb:…, SHA256:…`: the server's MD5 (as Nova shows it) and the SHA-256 `ssh-keygen -l` prints. */
export function fingerprintText(result: { fingerprint: string; publicKey: string }): string {
  try {
    return `${result.fingerprint}, ${fingerprints(result.publicKey).sha256}`;
  } catch {
    return result.fingerprint;
  }
}

/**
 * Opens the public key and says where both keys are, with the fingerprint. The pair exists
 * and is saved: a public key that cannot be opened is said as such, never as a failed create.
 */
async function announce(
  services: Services,
  result: CreateKeyPairResult,
  where: string,
  passphrase: string | undefined,
  servers: readonly ServerNode[],
): Promise<void> {
  log.info(`created "${result.name}" (${result.generation} key) ${result.fingerprint} → ${result.privatePath}`);
  const saved = vscode.l10n.t('Private key saved to {0}.', displayPath(result.privatePath));
  try {
    const doc = result.publicPath
      ? await vscode.workspace.openTextDocument(vscode.Uri.file(result.publicPath))
      : await vscode.workspace.openTextDocument({ content: `${result.publicKey}\n` });
    await vscode.window.showTextDocument(doc, { preview: false });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    log.warn(`opening the public key of "${result.name}" failed: ${why}`);
    void services.messages
      .show(
        'warning',
        vscode.l10n.t(
          'Key pair "{0}" was created{1} and saved, but its public key could not be opened in an editor ({2}). {3}',
          result.name,
          where,
          why,
          saved,
        ),
        [COPY_PUBLIC_KEY],
      )
      .then(async (picked) => {
        if (picked === COPY_PUBLIC_KEY) await vscode.env.clipboard.writeText(result.publicKey);
      });
  }

  if (result.fingerprintMismatch) {
    const { server, computed } = result.fingerprintMismatch;
    void services.messages.show(
      'warning',
      vscode.l10n.t(
        'The fingerprint of key pair "{0}" does not match its public key: the server says {1}, the key gives {2}.',
        result.name,
        server,
        computed,
      ),
    );
  }
  // Buttons are known by id, never by their (translated) label. Two at most: the next step
  // (Connect… when servers already use the name, else Add to SSH Config) and the agent when
  // there is one, else Copy Public Key. Copy Public Key and Reveal Private Key are also in the
  // context menu of the public key's editor.
  type Action = 'connect' | 'copy' | 'reveal' | 'sshConfig' | 'agent';
  const socket = process.env.SSH_AUTH_SOCK;
  const actions: Array<{ id: Action; label: string }> = [
    servers.length > 0 ? { id: 'connect', label: CONNECT } : { id: 'sshConfig', label: ADD_TO_SSH_CONFIG },
    socket && result.privateKey ? { id: 'agent', label: ADD_TO_AGENT } : { id: 'copy', label: COPY_PUBLIC_KEY },
  ];
  // Not awaited: the notification may stay open long after the command is done.
  void services.messages
    .show(
      'info',
      vscode.l10n.t('Key pair "{0}" created{1} ({2}). {3}', result.name, where, fingerprintText(result), saved),
      actions.map((a) => a.label),
    )
    .then(async (label) => {
      const picked = actions.find((a) => a.label === label)?.id;
      if (picked === 'connect') {
        const [only] = servers;
        const choice: ServerChoice = { kind: 'servers', nodes: [...servers] };
        await vscode.commands.executeCommand(COMMAND.connect, only && servers.length === 1 ? only : choice);
      } else if (picked === 'copy') {
        await vscode.env.clipboard.writeText(result.publicKey);
        confirmQuietly(vscode.l10n.t('Copied the public key of "{0}".', result.name));
      } else if (picked === 'reveal') await revealFile(services.messages, result.privatePath);
      else if (picked === 'sshConfig') {
        await vscode.commands.executeCommand(COMMAND.addToSshConfig, {
          name: result.name,
          privatePath: result.privatePath,
        });
      } else if (picked === 'agent' && result.privateKey) {
        await addCreatedToAgent(services, result, socket, passphrase);
      }
    });
}

/** The label of the created message's ssh-agent button. */
export const ADD_TO_AGENT = l10n.label('Add to ssh-agent');

/**
 * Adds the new key to the agent at `socket` from memory (the key as written, decrypted with
 * the passphrase typed for Create): nothing else is written anywhere.
 */
async function addCreatedToAgent(
  services: Services,
  result: CreateKeyPairResult,
  socket: string | undefined,
  passphrase: string | undefined,
): Promise<void> {
  try {
    const sha256 = await addToAgent(result.privateKey!, { socket, passphrase, comment: result.name });
    log.info(`added "${result.name}" (${sha256}) to ssh-agent`);
    vscode.window.setStatusBarMessage(vscode.l10n.t('Added "{0}" to ssh-agent ({1}).', result.name, sha256), 3000);
  } catch (err) {
    const why =
      err instanceof AgentError || err instanceof PrivateKeyError ? err.message : vscode.l10n.t('unexpected error');
    log.warn(`adding "${result.name}" to ssh-agent failed: ${why}`);
    void services.messages.show('error', vscode.l10n.t('Adding "{0}" to ssh-agent failed: {1}', result.name, why));
  }
}
