/**
 * Key Pairs: Rotate Key Pair… — replace a key pair that has its private key here by a new one.
 * This file only asks and tells; ../../core/flows/rotate decides: the servers and users offered
 * (servers.ts, ask.ts), the order and its guarantees (run.ts), and what is said (report.ts).
 */
import * as vscode from 'vscode';
import { readHostKeysFromConsole } from '../../core/api/console';
import { runSteps } from '../../core/ask/wizard';
import { displayPath } from '../../core/keys/keyFiles';
import { readPublicKeyFile } from '../../core/keys/localKeys';
import * as rotate from '../../core/flows/rotate';
import { sshHome } from '../../core/ssh/config/paths';
import { sshConfigArgs } from '../../core/ssh/config/tree';
import { log } from '../log';
import { showError } from '../messages';
import { sshDirectory } from '../settings';
import { sshConfigTarget } from '../flowSettings';
import { withCancellableProgress, withProgressUntil } from '../ui/progress';
import { refusedInRestrictedMode } from '../ui/restricted';
import { BACK } from '../ui/userInput';
import { CommandContext } from './context';
import { askTrust, TRUST_THIS_KEY } from './hostKeyPrompt';
import { askNewPair, createWithProgress, NamedFailure, readMicroversion } from './nameLoop';
import { pickKeyPair } from './pickKeyPair';
import { ensureSetup } from './setup';

export async function rotateCommand(
  ctx: CommandContext,
  arg?: unknown,
): Promise<rotate.RotateKeyPairResult | undefined> {
  const { services, ui, messages } = ctx;
  const title = vscode.l10n.t('Rotate Key Pair');
  const restricted = vscode.l10n.t(
    "Rotate Key Pair is not available in Restricted Mode: it changes your SSH config and the servers' authorized keys. Trust this workspace first.",
  );
  if (refusedInRestrictedMode(messages, restricted)) return undefined;
  const node = await pickKeyPair(ctx, arg, { title, localOnly: true });
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
  let candidates;
  try {
    const looking = vscode.l10n.t('Looking for servers that use "{0}"…', oldName);
    const provider = services.account.profile()?.provider;
    const known = await rotate.configuredUsers([configTarget.path], local.privatePath, sshHome(), (l) => log.warn(l));
    const signal = (s: AbortSignal) => AbortSignal.any([s, ctx.signal]);
    candidates = await withCancellableProgress(looking, (s) =>
      rotate.rotationCandidates(compute, oldName, { known, provider, signal: signal(s) }),
    );
  } catch (err) {
    void showError(messages, err, vscode.l10n.t('Reading your servers'));
    return undefined;
  }
  const pick = rotate.serverPickState(candidates.usable);
  if (candidates.usable.length === 0) {
    const none = vscode.l10n.t(
      'No server that can be reached uses "{0}". Rotate it anyway (new pair, SSH config)?',
      oldName,
    );
    if ((await messages.show('info', none, [rotate.CONTINUE], { modal: true })) !== rotate.CONTINUE) return undefined;
    pick.chosen = [];
  } else if (!(await runSteps(() => [rotate.serverPickStep(ui, candidates.usable, title)], pick))) return undefined;
  const servers = pick.chosen ?? [];

  const version = await readMicroversion(ctx, compute);
  if (!version) return undefined;
  const { microversion } = version;
  const dir = sshDirectory();
  const newTitle = vscode.l10n.t('New key pair replacing "{0}"', oldName);
  const progress = withProgressUntil(vscode.l10n.t('Rotating key pair "{0}"', oldName));

  // The new key follows keypairs.passphrase, as Create does.
  const createNewPair = async (): Promise<rotate.NewKeyPair | undefined> => {
    const asked = await askNewPair(ctx, {
      ...{ compute, title: newTitle, value: rotate.defaultRotatedName(oldName), sshDirectory: dir, microversion },
      // The files could not be written: the new pair is deleted again and nothing else changes.
      submit: (name, passphrase) =>
        createWithProgress(
          { compute, name, sshDirectory: dir, passphrase },
          { rescue: () => Promise.resolve(undefined) },
        ),
    });
    if (!asked) return undefined;
    const { name, privatePath, publicKey } = asked.named.result;
    services.keyPairsChanged();
    log.info(`rotate: created "${name}" → ${privatePath}`);
    progress.start();
    return { name, privatePath, publicKey, ...(asked.passphrase ? { passphrase: asked.passphrase } : {}) };
  };

  let result: rotate.RotateKeyPairResult | undefined;
  try {
    result = await rotate.rotateKeyPair({
      oldPair: { name: oldName, privatePath: local.privatePath, publicPath: local.publicPath, publicKey: oldPublicKey },
      createNewPair,
      servers,
      serversNotChosen: rotate.serversNotChosen(candidates, servers),
      config: { path: configTarget.path, args: sshConfigArgs(configTarget) },
      askOldPassphrase: async () => {
        const answer = await ui.input({ title, prompt: rotate.oldPassphrasePrompt(local.privatePath), password: true });
        return answer === BACK ? undefined : answer;
      },
      readConsole: (server) => readHostKeysFromConsole(compute, server.id),
      trustHostKeys: async (server, check) => (await askTrust(messages, check, server.name)) === TRUST_THIS_KEY,
      otherRegionsWithKey: () => Promise.resolve(undefined), // not checked: the key file deletion is withheld
      deleteOldPairOnServer: (name) => compute.delete(name),
      confirmDeleteOld: async (summary) => {
        progress.end();
        const q = rotate.deleteOldQuestion(summary, services.account.profile()?.region);
        const labels = q.buttons.map((b) => b.label);
        return rotate.decisionOf(
          q,
          await messages.show(q.severity, q.message, labels, { modal: true, detail: q.detail }),
        );
      },
      progress: (message) => (log.info(`rotate: ${message}`), progress.report(message)),
    });
  } catch (err) {
    if (err instanceof rotate.RotationStopped) void messages.show('error', err.message);
    else if (err instanceof NamedFailure) {
      void showError(messages, err.reason, vscode.l10n.t('Creating key pair "{0}"', err.keyPairName));
    } else throw err;
    return undefined;
  } finally {
    progress.end();
  }
  if (!result) return undefined;
  services.keyPairsChanged();
  for (const m of rotate.rotationOutcome(result)) void messages.show(m.severity, m.message);
  return result;
}
