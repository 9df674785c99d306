/**
 * Key Pairs: Rotate Key Pair… — replace a key pair that has its private key here by a new
 * one: pick the servers that use it, create the new pair (Create's flow, name defaulting to
 * `<old>-<yyyymmdd>`), point the SSH config (the SSH folder's, and `remote.SSH.configFile`
 * when set) at the new key, install the new key on each
 * chosen server (checked before the old key's line is removed), and only after a modal
 * listing what worked delete the old pair (and, if chosen, its private key file).
 * The work is in ../flows/rotateKeyPair.ts; this file only asks and tells.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ComputeClient } from '../api/compute';
import { Server, getImageLoginHints, listServers } from '../api/servers';
import { createKeyPair } from '../flows/createKeyPair';
import { readPublicKeyFile } from '../keys/localKeys';
import {
  DeleteOldDecision,
  NewKeyPair,
  RotateKeyPairResult,
  RotationServer,
  RotationSummary,
  ServerSummary,
  defaultRotatedName,
  rotateKeyPair,
} from '../flows/rotateKeyPair';
import { displayPath } from '../keys/keyFiles';
import { log } from '../log';
import { isCancel, showError } from '../messages';
import { plainLabel } from '../plainText';
import { describeAddress, chooseAddress } from '../servers/addresses';
import { groupServersByKey, serversOfKey } from '../servers/group';
import { guessLoginUser } from '../servers/loginUser';
import { Services } from '../services';
import { keyGeneration, sshDirectory } from '../settings';
import { withCancellableProgress } from '../ui/progress';
import { connectConfigPath } from './connect';
import { askNameAndSubmit, NamedFailure, readMicroversion } from './nameLoop';
import { pickKeyPair } from './pickKeyPair';
import { ensureSetup } from './setup';

let running = false;

/** One button of the final modal: its label and what it means. */
interface DecisionButton {
  label: string;
  decision: DeleteOldDecision;
}

export async function rotateCommand(services: Services, arg?: unknown): Promise<RotateKeyPairResult | undefined> {
  if (running) {
    log.info('Rotate Key Pair is already running.');
    return undefined;
  }
  running = true;
  try {
    return await runRotate(services, arg);
  } finally {
    running = false;
  }
}

async function runRotate(services: Services, arg: unknown): Promise<RotateKeyPairResult | undefined> {
  const title = vscode.l10n.t('Rotate Key Pair');
  const node = await pickKeyPair(services, arg, { title, localOnly: true });
  if (!node) return undefined;
  const oldName = node.keyPair.name;
  if (!node.local) {
    void services.messages.show(
      'info',
      vscode.l10n.t(
        'Key pair "{0}" has no private key in {1}: it cannot be rotated here.',
        oldName,
        displayPath(sshDirectory()),
      ),
    );
    return undefined;
  }
  const local = node.local;
  const compute = await ensureSetup(services);
  if (!compute) return undefined;
  let oldPublicKey: string;
  try {
    oldPublicKey = await readPublicKeyFile(local.publicPath);
  } catch (err) {
    void showError(services.messages, err, vscode.l10n.t('Reading the public key of "{0}"', oldName));
    return undefined;
  }

  const servers = await chooseServers(services, compute, oldName, title);
  if (!servers) return undefined;

  const dir = sshDirectory();
  const version = await readMicroversion(services, compute);
  if (!version) return undefined;
  const { microversion } = version;

  // The rotation's own progress: shown from after the create until the final modal.
  let report: (message: string) => void = () => undefined;
  let endProgress: () => void = () => undefined;
  const startProgress = () => {
    const done = new Promise<void>((resolve) => (endProgress = resolve));
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Rotating key pair "{0}"', oldName) },
      (progress) => {
        report = (message) => progress.report({ message });
        return done;
      },
    );
  };

  const createNewPair = async (): Promise<NewKeyPair | undefined> => {
    const created = await askNameAndSubmit(services, {
      compute,
      title: vscode.l10n.t('New key pair replacing "{0}"', oldName),
      value: defaultRotatedName(oldName),
      sshDirectory: dir,
      microversion,
      submit: (name) =>
        withCancellableProgress(vscode.l10n.t('Creating key pair "{0}"…', name), (signal) =>
          createKeyPair({
            compute,
            name,
            sshDirectory: dir,
            generation: keyGeneration(),
            signal,
            // The files could not be written: the new pair is deleted again and nothing else changes.
            rescue: () => Promise.resolve(undefined),
            log: (line) => log.info(line),
          }),
        ),
    });
    if (!created) return undefined;
    services.keyPairsChanged();
    log.info(`rotate: created "${created.result.name}" → ${created.result.privatePath}`);
    startProgress();
    return { name: created.result.name, privatePath: created.result.privatePath, publicKey: created.result.publicKey };
  };

  let result: RotateKeyPairResult | undefined;
  try {
    result = await rotateKeyPair({
      oldPair: { name: oldName, privatePath: local.privatePath, publicPath: local.publicPath, publicKey: oldPublicKey },
      createNewPair,
      servers,
      // Both files ssh may read for these hosts: the SSH folder's and the one Remote-SSH uses.
      configPaths: [...new Set([path.join(dir, 'config'), connectConfigPath()].map((p) => path.resolve(p)))],
      deleteOldPairOnServer: (name) => compute.delete(name),
      confirmDeleteOld: async (summary) => {
        endProgress();
        return confirmDeleteOld(services, summary);
      },
      progress: (message) => {
        log.info(`rotate: ${message}`);
        report(message);
      },
    });
  } catch (err) {
    if (err instanceof NamedFailure) {
      void showError(services.messages, err.reason, vscode.l10n.t('Creating key pair "{0}"', err.keyPairName));
      return undefined;
    }
    throw err;
  } finally {
    endProgress();
  }
  if (!result) return undefined;
  services.keyPairsChanged();
  tellOutcome(services, result);
  return result;
}

/** A server of the old pair as the pick offers it. */
async function chooseServers(
  services: Services,
  compute: ComputeClient,
  keyName: string,
  title: string,
): Promise<RotationServer[] | undefined> {
  const rackspace = services.account.profile()?.provider.startsWith('rackspace') ?? false;
  let candidates: Array<{ server: Server; rotation?: RotationServer; why?: string }>;
  try {
    candidates = await withCancellableProgress(
      vscode.l10n.t('Looking for servers that use "{0}"…', keyName),
      async (signal) => {
        const list = await listServers(compute, { signal });
        const mine = serversOfKey(groupServersByKey(list.servers), keyName);
        const out: Array<{ server: Server; rotation?: RotationServer; why?: string }> = [];
        for (const server of mine) {
          const best = chooseAddress(server.addresses).best;
          if (!best) {
            out.push({ server, why: vscode.l10n.t('no address') });
            continue;
          }
          let hints;
          if (server.imageId) {
            try {
              hints = await getImageLoginHints(compute, server.imageId, { signal });
            } catch (err) {
              if (isCancel(err)) throw err;
            }
          }
          const guess = guessLoginUser(hints, { rackspace });
          if (!guess) {
            out.push({ server, why: vscode.l10n.t('login user unknown') });
            continue;
          }
          out.push({
            server,
            rotation: { id: server.id, name: server.name, target: { host: best.ip, user: guess.user } },
            why: `${describeAddress(best)} · ${guess.user}`,
          });
        }
        return out;
      },
    );
  } catch (err) {
    void showError(services.messages, err, vscode.l10n.t('Reading your servers'));
    return undefined;
  }
  const usable = candidates.filter((c) => c.rotation);
  if (usable.length === 0) {
    const go = vscode.l10n.t('Continue');
    const answer = await services.messages.show(
      'info',
      vscode.l10n.t('No server that can be reached uses "{0}". Rotate it anyway (new pair, SSH config)?', keyName),
      [go],
      { modal: true },
    );
    return answer === go ? [] : undefined;
  }
  type Item = vscode.QuickPickItem & { rotation: RotationServer };
  const items: Item[] = usable.map((c) => ({
    label: plainLabel(c.server.name),
    description: plainLabel(c.why ?? ''),
    picked: true,
    rotation: c.rotation as RotationServer,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: vscode.l10n.t('Servers to give the new key (the old key is removed there once the new one logs in)'),
    canPickMany: true,
    ignoreFocusOut: true,
  });
  return picked?.map((item) => item.rotation);
}

function serverLine(entry: ServerSummary): string {
  const { server, result } = entry;
  const where = `${server.name} (${server.target.user}@${server.target.host})`;
  if (!result.error) return vscode.l10n.t('✓ {0}: new key installed and checked, old key removed.', where);
  const { step, message } = result.error;
  if (step === 'install')
    return vscode.l10n.t('✗ {0}: not changed; the old key still works there. {1}', where, message);
  if (step === 'verify') {
    return vscode.l10n.t(
      '✗ {0}: the new key was added but does not log in; the old key still works there. {1}',
      where,
      message,
    );
  }
  return vscode.l10n.t('✗ {0}: the new key works, but the old key could not be removed. {1}', where, message);
}

/** The final modal: what worked, and whether to delete the old pair (and its private key file). */
async function confirmDeleteOld(services: Services, summary: RotationSummary): Promise<DeleteOldDecision> {
  const lines: string[] = [];
  lines.push(vscode.l10n.t('New key: {0}', displayPath(summary.newPair.privatePath)));
  for (const change of summary.configChanges) {
    const hosts = change.entries.map((e) => e.host || vscode.l10n.t('(global)')).join(', ');
    lines.push(vscode.l10n.t('✓ {0}: now uses the new key for {1}.', displayPath(change.path), hosts));
  }
  for (const failure of summary.configFailures) {
    lines.push(vscode.l10n.t('✗ {0}: not changed. {1}', displayPath(failure.path), failure.message));
  }
  for (const entry of summary.servers) lines.push(serverLine(entry));
  if (summary.servers.length === 0) lines.push(vscode.l10n.t('No servers were updated.'));
  const failed = summary.servers.some((s) => s.result.error);
  if (failed) {
    lines.push(vscode.l10n.t('Servers marked ✗ may still need the old private key to log in.'));
  }
  const buttons: DecisionButton[] = [
    { label: vscode.l10n.t('Delete Old Key Pair'), decision: 'delete-pair' },
    { label: vscode.l10n.t('Delete Old Key Pair and Its Private Key File'), decision: 'delete-pair-and-private-key' },
  ];
  const answer = await services.messages.show(
    failed ? 'warning' : 'info',
    vscode.l10n.t(
      'Key pair "{0}" was replaced by "{1}". Delete the old key pair "{0}" from the cloud?',
      summary.oldPair.name,
      summary.newPair.name,
    ),
    buttons.map((b) => b.label),
    { modal: true, detail: lines.join('\n') },
  );
  const chosen = buttons.find((b) => b.label === answer);
  return chosen?.decision ?? 'keep';
}

function tellOutcome(services: Services, result: RotateKeyPairResult): void {
  if (result.deleteError) {
    void services.messages.show(
      'error',
      vscode.l10n.t('Deleting the old key pair "{0}" failed: {1}', result.oldPair.name, result.deleteError),
    );
    return;
  }
  const ok = result.servers.filter((s) => !s.result.error).length;
  const kept =
    result.decision === 'keep'
      ? vscode.l10n.t('The old key pair "{0}" was kept.', result.oldPair.name)
      : result.oldFilesDeleted
        ? vscode.l10n.t('The old key pair "{0}" and its private key file were deleted.', result.oldPair.name)
        : vscode.l10n.t('The old key pair "{0}" was deleted; its private key file was kept.', result.oldPair.name);
  void services.messages.show(
    'info',
    vscode.l10n.t(
      'Rotated to "{0}": {1} of {2} servers updated. {3}',
      result.newPair.name,
      ok,
      result.servers.length,
      kept,
    ),
  );
}
