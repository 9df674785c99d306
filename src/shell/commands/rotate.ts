/**
 * Key Pairs: Rotate Key Pair… — replace a key pair that has its private key here by a new one.
 * This file only asks and tells; ../../core/flows/rotate decides: which servers and users are
 * offered (servers.ts, the pick in ask.ts), the order and what is guaranteed (run.ts), and what
 * is said at the end (report.ts). One run at a time (the command table's `single`).
 */
import * as vscode from 'vscode';
import { readHostKeysFromConsole } from '../../core/api/servers';
import { runSteps } from '../../core/ask/wizard';
import { createKeyPair } from '../../core/flows/createKeyPair';
import { displayPath } from '../../core/keys/keyFiles';
import { readPublicKeyFile } from '../../core/keys/localKeys';
import { encryptPrivateKey } from '../../core/keys/opensshKey';
import { serverPickState, serverPickStep } from '../../core/flows/rotate/ask';
import { CONTINUE, decisionOf, deleteOldQuestion, rotationOutcome } from '../../core/flows/rotate/report';
import {
  NewKeyPair,
  RotateKeyPairResult,
  RotationStopped,
  defaultRotatedName,
  rotateKeyPair,
} from '../../core/flows/rotate/run';
import { configuredUsers, rotationCandidates, serversNotChosen } from '../../core/flows/rotate/servers';
import { sshHome } from '../../core/ssh/sshConfig';
import { sshConfigArgs } from '../../core/ssh/sshConfigTree';
import { log } from '../log';
import { showError } from '../messages';
import { keyGeneration, sshConfigTarget, sshDirectory } from '../settings';
import { withCancellableProgress, withProgressUntil } from '../ui/progress';
import { refusedInRestrictedMode } from '../ui/restricted';
import { BACK } from '../ui/userInput';
import { CommandContext } from './context';
import { askTrust, TRUST_THIS_KEY } from './hostKeyPrompt';
import { askNewPair, NamedFailure, readMicroversion } from './nameLoop';
import { pickKeyPair } from './pickKeyPair';
import { ensureSetup } from './setup';

export async function rotateCommand(ctx: CommandContext, arg?: unknown): Promise<RotateKeyPairResult | undefined> {
  const { services, ui, messages } = ctx;
  const title = vscode.l10n.t('Rotate Key Pair');
  const restricted = vscode.l10n.t(
    "Rotate Key Pair is not available in Restricted Mode: it changes your SSH config and the servers' authorized keys. Trust this workspace first.",
  );
  if (refusedInRestrictedMode(messages, restricted)) return undefined;
  const node = await pickKeyPair(services, arg, { title, localOnly: true });
  if (!node) return undefined;
  const oldName = node.keyPair.name;
  const local = node.local;
  if (!local) {
    const where = displayPath(sshDirectory());
    const text = vscode.l10n.t('Key pair "{0}" has no private key in {1}: it cannot be rotated here.', oldName, where);
    void messages.show('info', text);
    return undefined;
  }
  const compute = await ensureSetup(ctx);
  if (!compute) return undefined;
  let oldPublicKey: string;
  try {
    oldPublicKey = await readPublicKeyFile(local.publicPath);
  } catch (err) {
    void showError(messages, err, vscode.l10n.t('Reading the public key of "{0}"', oldName));
    return undefined;
  }

  // The one SSH config ssh and Remote-SSH read (and what it includes).
  const configTarget = sshConfigTarget();
  const known = await configuredUsers([configTarget.path], local.privatePath, sshHome(), (l) => log.warn(l));
  let candidates;
  try {
    const looking = vscode.l10n.t('Looking for servers that use "{0}"…', oldName);
    const provider = services.account.profile()?.provider;
    candidates = await withCancellableProgress(looking, (signal) =>
      rotationCandidates(compute, oldName, { known, provider, signal: AbortSignal.any([signal, ctx.signal]) }),
    );
  } catch (err) {
    void showError(messages, err, vscode.l10n.t('Reading your servers'));
    return undefined;
  }
  const pick = serverPickState(candidates.usable);
  if (candidates.usable.length === 0) {
    const none = vscode.l10n.t(
      'No server that can be reached uses "{0}". Rotate it anyway (new pair, SSH config)?',
      oldName,
    );
    if ((await messages.show('info', none, [CONTINUE], { modal: true })) !== CONTINUE) return undefined;
    pick.chosen = [];
  } else if (!(await runSteps(() => [serverPickStep(ui, candidates.usable, title)], pick))) return undefined;
  const servers = pick.chosen ?? [];

  const version = await readMicroversion(ctx, compute);
  if (!version) return undefined;
  const microversion = version.microversion;
  const dir = sshDirectory();
  const newTitle = vscode.l10n.t('New key pair replacing "{0}"', oldName);
  const progress = withProgressUntil(vscode.l10n.t('Rotating key pair "{0}"', oldName));

  // The new key follows keypairs.passphrase, as Create does.
  const createNewPair = async (): Promise<NewKeyPair | undefined> => {
    const asked = await askNewPair(ctx, {
      ...{ compute, title: newTitle, value: defaultRotatedName(oldName), sshDirectory: dir, microversion },
      submit: (name, passphrase) =>
        withCancellableProgress(vscode.l10n.t('Creating key pair "{0}"…', name), (signal) =>
          createKeyPair({
            ...{ compute, name, sshDirectory: dir, generation: keyGeneration(), passphrase, signal },
            protectPrivateKey: passphrase ? (text) => encryptPrivateKey(text, passphrase, name) : undefined,
            // The files could not be written: the new pair is deleted again and nothing else changes.
            rescue: () => Promise.resolve(undefined),
            log: (line) => log.info(line),
          }),
        ),
    });
    if (!asked) return undefined;
    const { name, privatePath, publicKey } = asked.named.result;
    services.keyPairsChanged();
    log.info(`rotate: created "${name}" → ${privatePath}`);
    progress.start();
    return { name, privatePath, publicKey, ...(asked.passphrase ? { passphrase: asked.passphrase } : {}) };
  };

  let result: RotateKeyPairResult | undefined;
  try {
    result = await rotateKeyPair({
      oldPair: { name: oldName, privatePath: local.privatePath, publicPath: local.publicPath, publicKey: oldPublicKey },
      createNewPair,
      servers,
      serversNotChosen: serversNotChosen(candidates, servers),
      config: { path: configTarget.path, args: sshConfigArgs(configTarget) },
      askOldPassphrase: async () => {
        const prompt = vscode.l10n.t(
          'Passphrase of the old private key {0} (used once for this rotation, never stored)',
          displayPath(local.privatePath),
        );
        const answer = await ui.input({ title, prompt, password: true });
        return answer === BACK ? undefined : answer;
      },
      readConsole: (server) => readHostKeysFromConsole(compute, server.id),
      trustHostKeys: async (server, check) => (await askTrust(messages, check, server.name)) === TRUST_THIS_KEY,
      // Other regions are not checked here: the private key's deletion is withheld, and the modal says why.
      otherRegionsWithKey: () => Promise.resolve(undefined),
      deleteOldPairOnServer: (name) => compute.delete(name),
      confirmDeleteOld: async (summary) => {
        progress.end();
        const q = deleteOldQuestion(summary, services.account.profile()?.region);
        const labels = q.buttons.map((b) => b.label);
        return decisionOf(q, await messages.show(q.severity, q.message, labels, { modal: true, detail: q.detail }));
      },
      progress: (message) => {
        log.info(`rotate: ${message}`);
        progress.report(message);
      },
    });
  } catch (err) {
    if (err instanceof RotationStopped) void messages.show('error', err.message);
    else if (err instanceof NamedFailure) {
      void showError(messages, err.reason, vscode.l10n.t('Creating key pair "{0}"', err.keyPairName));
    } else throw err;
    return undefined;
  } finally {
    progress.end();
  }
  if (!result) return undefined;
  services.keyPairsChanged();
  for (const m of rotationOutcome(result)) void messages.show(m.severity, m.message);
  return result;
}
