/**
 * Key Pairs: Create Server Key Pair — name (validated as typed), POST /os-keypairs with a
 * cancellable progress, private key saved 0600 and public key opened in an editor.
 */
import * as l10n from '../../core/base/l10n';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ComputeClient } from '../../core/api/compute';
import { CreateKeyPairResult, KeyTypeRefusedError, SavedKeyFiles } from '../../core/flows/createKeyPair';
import type { KeyPairNode, ServerChoice, ServerNode } from '../../core/flows/keyPairList';
import { readServersOf } from '../../core/flows/inventory';
import { fingerprints } from '../../core/keys/fingerprint';
import { addToAgent, AgentError } from '../../core/ssh/agent';
import { PrivateKeyError } from '../../core/keys/opensshKey';
import { confirmQuietly } from '../ui/quiet';
import { displayPath, KeyFileError, saveFileExclusive } from '../../core/keys/keyFiles';
import { log } from '../log';
import { showError } from '../messages';
import { CommandContext } from './context';
import { sshDirectory } from '../settings';
import { keyType } from '../flowSettings';
import { revealFile } from '../ui/reveal';
import { COMMAND } from '../../core/base/commandIds';
import { askNewPair, createWithProgress, NamedFailure, readMicroversion } from './nameLoop';
import { ensureSetup } from './setup';

export const COPY_PUBLIC_KEY = l10n.label('Copy Public Key');
export const REVEAL_PRIVATE_KEY = l10n.label('Reveal Private Key');
export const ADD_TO_SSH_CONFIG = l10n.label('Add to SSH Config');
export const CONNECT = l10n.label('Connect…');
const USE_RSA = l10n.label('Create RSA 4096 Key');
const SAVE_AS = l10n.label('Save As…');
const CHOOSE_ANOTHER_PLACE = l10n.label('Choose Another Place');
/** How long the created message waits for the server list that decides about its Connect button. */
const SERVER_LIST_TIMEOUT_MS = 15_000;

/**
 * Runs the create flow (one run at a time: the command table's `single` brings the name box
 * back on a second trigger). No message is awaited while it runs.
 */
export async function createCommand(ctx: CommandContext): Promise<CreateKeyPairResult | undefined> {
  const compute = await ensureSetup(ctx);
  return compute ? await runCreate(ctx, compute, ctx.services.region()) : undefined;
}

/** `region`: the signed-in account's region, named in the title and messages. */
async function runCreate(
  ctx: CommandContext,
  compute: ComputeClient,
  region: string | undefined,
): Promise<CreateKeyPairResult | undefined> {
  const where = region ? vscode.l10n.t(' in {0}', region) : '';
  const dir = sshDirectory();
  const version = await readMicroversion(ctx, compute);
  if (!version) return undefined;
  const title = region
    ? vscode.l10n.t('{0} in {1}', vscode.l10n.t('Create Server Key Pair'), region)
    : vscode.l10n.t('Create Server Key Pair');
  let asked;
  try {
    // The passphrase (when keypairs.passphrase asks), then the name; Back goes from the name to the passphrase.
    asked = await askNewPair(ctx, {
      compute,
      title,
      sshDirectory: dir,
      microversion: version.microversion,
      submit: (name, passphrase) =>
        createWithProgress(
          { compute, name, sshDirectory: dir, passphrase, where },
          {
            keyType: keyType(),
            onKeyTypeRefused: (refused) => offerRsa(ctx, name, refused),
            rescue: (problem, key) => saveElsewhere(ctx, problem, key),
          },
        ),
    });
  } catch (err) {
    if (!(err instanceof NamedFailure)) throw err;
    if (err.reason instanceof KeyTypeRefusedError && err.reason.declined) {
      log.info(`create of "${err.keyPairName}": the cloud refused ${err.reason.keyType} and RSA was declined`);
      return undefined;
    }
    void showError(ctx.messages, err.reason, vscode.l10n.t('Creating key pair "{0}"{1}', err.keyPairName, where));
    return undefined;
  }
  if (!asked) return undefined;
  const created = asked.named.result;
  // Created and saved: whatever fails from here on is not a failed create.
  ctx.services.keyPairsChanged();
  const servers = await serversUsing(compute, created);
  await announce(ctx, created, where, asked.passphrase, servers);
  return created;
}

/**
 * The servers of the current region already booted with the new pair's name (one server
 * list), for the created message's Connect button. A failure costs only the button: it is
 * logged, never shown, and the create stays a success.
 */
async function serversUsing(compute: ComputeClient, result: CreateKeyPairResult): Promise<ServerNode[]> {
  try {
    const keyPair: KeyPairNode = {
      kind: 'keypair',
      keyPair: { name: result.name, publicKey: result.publicKey, fingerprint: result.fingerprint },
      local: {
        privatePath: result.privatePath,
        publicPath: result.publicPath ?? `${result.privatePath}.pub`,
        fingerprint: result.fingerprint,
      },
    };
    return await readServersOf(compute, keyPair, AbortSignal.timeout(SERVER_LIST_TIMEOUT_MS));
  } catch (err) {
    log.warn(`listing the servers of "${result.name}" failed: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  }
}

/**
 * The cloud refused the new key's type (an older Nova cannot fingerprint ed25519): asks once
 * whether to create an RSA 4096 key instead. Nothing was left on either side.
 */
async function offerRsa(ctx: CommandContext, name: string, refused: string): Promise<boolean> {
  const answer = await ctx.messages.show(
    'warning',
    vscode.l10n.t('The cloud does not accept {0} keys. Create an RSA 4096 key for "{1}" instead?', refused, name),
    [USE_RSA],
    {
      modal: true,
      detail: vscode.l10n.t(
        'Nothing was created: the {0} key was not kept, here or on the server. Set "keypairs.keyType" to "rsa" to be asked no more.',
        refused,
      ),
    },
  );
  return answer === USE_RSA;
}

/**
 * The key files could not be written where they belong: offer Save As… for the private
 * key (the public key goes next to it). Undefined when the user declines. Modal on
 * purpose: the private key exists only now.
 */
async function saveElsewhere(
  ctx: CommandContext,
  problem: KeyFileError,
  key: { privateKey: string; publicKey: string; fileBase: string },
): Promise<SavedKeyFiles | undefined> {
  const answer = await ctx.messages.show(
    'error',
    vscode.l10n.t(
      'The new private key could not be saved: {0} It exists only now: save it elsewhere, or the key pair is deleted from the server.',
      problem.message,
    ),
    [SAVE_AS],
    { modal: true },
  );
  if (answer !== SAVE_AS) return undefined;
  for (;;) {
    const target = await ctx.ui.saveDialog({
      title: vscode.l10n.t('Save the private key'),
      saveLabel: vscode.l10n.t('Save Private Key'),
      defaultUri: vscode.Uri.file(path.join(os.homedir(), key.fileBase)),
    });
    if (!target) return undefined;
    try {
      await saveFileExclusive(target.fsPath, key.privateKey, 0o600, { overwrite: true });
    } catch (err) {
      const msg = err instanceof KeyFileError ? err.message : String(err);
      const again = await ctx.messages.show(
        'error',
        vscode.l10n.t('Saving to {0} failed: {1}', displayPath(target.fsPath), msg),
        [CHOOSE_ANOTHER_PLACE],
        { modal: true },
      );
      if (again !== CHOOSE_ANOTHER_PLACE) return undefined;
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
  ctx: CommandContext,
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
    void ctx.messages
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
    void ctx.messages.show(
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
  // `label` is the button's id (l10n.label): the sink shows it translated and hands the id back.
  // Not awaited: the notification may stay open long after the command is done.
  void ctx.messages
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
      } else if (picked === 'reveal') await revealFile(ctx.messages, result.privatePath);
      else if (picked === 'sshConfig') {
        await vscode.commands.executeCommand(COMMAND.addToSshConfig, {
          name: result.name,
          privatePath: result.privatePath,
        });
      } else if (picked === 'agent' && result.privateKey) {
        await addCreatedToAgent(ctx, result, socket, passphrase);
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
  ctx: CommandContext,
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
    void ctx.messages.show('error', vscode.l10n.t('Adding "{0}" to ssh-agent failed: {1}', result.name, why));
  }
}
