/**
 * Key Pairs: Rotate Key Pair… — replace a key pair that has its private key here by a new
 * one: pick the servers that use it, create the new pair (Create's flow, name defaulting to
 * `<old>-<yyyymmdd>`, a passphrase when keypairs.passphrase asks), and move server by server
 * (see ../flows/rotateKeyPair.ts for the order and what is guaranteed); only after a modal
 * listing what worked, and what may still need the old key, delete the old pair (and, when
 * nothing needs it, its private key file). This file only asks and tells.
 */
import * as vscode from 'vscode';
import { refusedInRestrictedMode } from '../ui/restricted';
import { ComputeClient } from '../../core/api/compute';
import { getImageLoginHints, listServers, readHostKeysFromConsole } from '../../core/api/servers';
import { createKeyPair } from '../../core/flows/createKeyPair';
import { readPublicKeyFile } from '../../core/keys/localKeys';
import {
  DeleteOldDecision,
  NewKeyPair,
  RotateKeyPairResult,
  RotationServer,
  RotationStopped,
  RotationSummary,
  ServerSummary,
  defaultRotatedName,
  mayStillAccept,
  rotateKeyPair,
} from '../../core/flows/rotateKeyPair';
import { describeUnverified, HostKeyCheck } from '../../core/flows/hostKeyCheck';
import { TRUST_THIS_KEY } from './hostKeyPrompt';
import { encryptPrivateKey } from '../../core/keys/opensshKey';
import { displayPath } from '../../core/keys/keyFiles';
import { loginUsersFor } from '../../core/ssh/config/retarget';
import { readConfigFile } from '../../core/ssh/config/file';
import { sshHome } from '../../core/ssh/config/paths';
import { log } from '../log';
import { isCancel, showError } from '../messages';
import { plainLabel } from '../../core/base/plainText';
import { describeAddress, chooseAddress } from '../../core/servers/addresses';
import { groupServersByKey, serversOfKey } from '../../core/servers/group';
import { guessLoginUser } from '../../core/servers/loginUser';
import { Services } from '../services';
import { askPassphrase, keyGeneration, sshDirectory } from '../settings';
import { sshConfigTarget } from '../flowSettings';
import { sshConfigArgs } from '../../core/ssh/config/tree';
import { withCancellableProgress } from '../ui/progress';
import { BACK } from '../ui/userInput';
import { validateLoginUser } from './connect';
import { askForPassphrase } from './create';
import { askNameAndSubmit, NamedFailure, readMicroversion } from './nameLoop';
import { pickKeyPair } from './pickKeyPair';
import { ensureSetup } from './setup';

let running = false;

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
  if (
    refusedInRestrictedMode(
      services.messages,
      vscode.l10n.t(
        "Rotate Key Pair is not available in Restricted Mode: it changes your SSH config and the servers' authorized keys. Trust this workspace first.",
      ),
    )
  )
    return undefined;
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

  const dir = sshDirectory();
  // The one SSH config ssh and Remote-SSH read (and what it includes).
  const configTarget = sshConfigTarget();
  const known = await configuredUsers([configTarget.path], local.privatePath);
  const chosen = await chooseServers(services, compute, oldName, title, known);
  if (!chosen) return undefined;
  const { servers, notChosen } = chosen;

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
    // The new key follows keypairs.passphrase, as Create does.
    let passphrase: string | undefined;
    if (askPassphrase()) {
      const answer = await askForPassphrase(services, vscode.l10n.t('New key pair replacing "{0}"', oldName));
      if (answer === undefined) return undefined;
      passphrase = answer || undefined;
    }
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
            passphrase,
            protectPrivateKey: passphrase ? (text) => encryptPrivateKey(text, passphrase, name) : undefined,
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
    return {
      name: created.result.name,
      privatePath: created.result.privatePath,
      publicKey: created.result.publicKey,
      ...(passphrase ? { passphrase } : {}),
    };
  };

  let result: RotateKeyPairResult | undefined;
  try {
    result = await rotateKeyPair({
      oldPair: { name: oldName, privatePath: local.privatePath, publicPath: local.publicPath, publicKey: oldPublicKey },
      createNewPair,
      servers,
      serversNotChosen: notChosen,
      config: { path: configTarget.path, args: sshConfigArgs(configTarget) },
      askOldPassphrase: () =>
        services.ui
          .input({
            title,
            prompt: vscode.l10n.t(
              'Passphrase of the old private key {0} (used once for this rotation, never stored)',
              displayPath(local.privatePath),
            ),
            password: true,
          })
          .then((answer) => (answer === BACK ? undefined : answer)),
      readConsole: (server) => readHostKeysFromConsole(compute, server.id),
      trustHostKeys: (server, check) => trustHostKeys(services, server, check),
      // Other regions are not checked here: the private key's deletion is withheld, and the modal says why.
      otherRegionsWithKey: () => Promise.resolve(undefined),
      deleteOldPairOnServer: (name) => compute.delete(name),
      confirmDeleteOld: async (summary) => {
        endProgress();
        return confirmDeleteOld(services, summary, services.account.profile()?.region);
      },
      progress: (message) => {
        log.info(`rotate: ${message}`);
        report(message);
      },
    });
  } catch (err) {
    if (err instanceof RotationStopped) {
      void services.messages.show('error', err.message);
      return undefined;
    }
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

/**
 * The login users the SSH config files already give for hosts that use `privatePath` (what
 * Connect wrote, or the user), by lower-cased HostName. An unreadable file tells nothing.
 */
async function configuredUsers(configPaths: readonly string[], privatePath: string): Promise<Map<string, string>> {
  const users = new Map<string, string>();
  for (const file of configPaths) {
    try {
      const read = await readConfigFile(file);
      if (!read) continue;
      for (const [host, user] of loginUsersFor(read.content.toString('utf8'), privatePath, sshHome())) {
        if (!users.has(host)) users.set(host, user);
      }
    } catch (err) {
      log.warn(`rotate: could not read ${file} for login users: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return users;
}

/** A server of the old pair as the pick offers it. */
async function chooseServers(
  services: Services,
  compute: ComputeClient,
  keyName: string,
  title: string,
  known: ReadonlyMap<string, string>,
): Promise<{ servers: RotationServer[]; notChosen: string[] } | undefined> {
  const rackspace = services.account.profile()?.provider.startsWith('rackspace') ?? false;
  let usable: RotationServer[];
  const unreachable: string[] = [];
  try {
    usable = await withCancellableProgress(
      vscode.l10n.t('Looking for servers that use "{0}"…', keyName),
      async (signal) => {
        const list = await listServers(compute, { signal });
        const out: RotationServer[] = [];
        for (const server of serversOfKey(groupServersByKey(list.servers), keyName)) {
          const best = chooseAddress(server.addresses).best;
          if (!best) {
            unreachable.push(server.name); // no address: it can't be reached, and may still need the old key
            continue;
          }
          // The user the SSH config already logs in as (Connect's entry) comes first.
          const configured = known.get(best.ip.toLowerCase());
          if (configured !== undefined) {
            out.push({ id: server.id, name: server.name, target: { host: best.ip, user: configured }, address: best });
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
          // No guess: the user is asked before this server can be chosen.
          const user = guessLoginUser(hints, { rackspace })?.user ?? '';
          out.push({ id: server.id, name: server.name, target: { host: best.ip, user }, address: best });
        }
        return out;
      },
    );
  } catch (err) {
    void showError(services.messages, err, vscode.l10n.t('Reading your servers'));
    return undefined;
  }
  if (usable.length === 0) {
    const go = vscode.l10n.t('Continue');
    const answer = await services.messages.show(
      'info',
      vscode.l10n.t('No server that can be reached uses "{0}". Rotate it anyway (new pair, SSH config)?', keyName),
      [go],
      { modal: true },
    );
    return answer === go ? { servers: [], notChosen: unreachable } : undefined;
  }
  const picked = await pickRotationServers(services, usable, title);
  if (!picked) return undefined;
  const ids = new Set(picked.map((s) => s.id));
  return { servers: picked, notChosen: [...usable.filter((s) => !ids.has(s.id)).map((s) => s.name), ...unreachable] };
}

/**
 * The servers to give the new key: a pick with every server checked (those whose login user
 * is unknown unchecked), each showing its name, `user@address` and the kind of address. An
 * item's Edit button asks for its login user (as Connect's user step does) and comes back to
 * the pick with the checks kept; a server checked without a user is asked for one first.
 */
async function pickRotationServers(
  services: Services,
  usable: readonly RotationServer[],
  title: string,
): Promise<RotationServer[] | undefined> {
  const users = new Map(usable.map((c) => [c.id, c.target.user]));
  let checked = new Set(usable.filter((c) => c.target.user !== '').map((c) => c.id));
  for (;;) {
    const answer = await services.ui.pickMany<string>({
      title,
      placeholder: vscode.l10n.t('Servers to give the new key (the old key is removed there once the new one logs in)'),
      items: usable.map((c) => {
        const user = users.get(c.id) ?? '';
        const where = c.address ? describeAddress(c.address) : c.target.host;
        return {
          label: plainLabel(c.name),
          description: plainLabel(user ? `${user}@${where}` : where),
          detail: user ? undefined : vscode.l10n.t('Login user unknown: use the Edit button to set it.'),
          picked: checked.has(c.id),
          value: c.id,
        };
      }),
      itemButton: { icon: 'edit', tooltip: vscode.l10n.t('Change the login user') },
    });
    if (answer === undefined || answer === BACK) return undefined;
    checked = new Set(answer.selected);
    const pressed = usable.find((c) => c.id === answer.pressed);
    if (pressed) {
      await askUser(pressed);
      continue;
    }
    // Accepted: a checked server without a user gets one first (Escape: back to the pick).
    let complete = true;
    for (const c of usable.filter((s) => checked.has(s.id) && !users.get(s.id))) {
      if (!(await askUser(c))) {
        complete = false;
        break;
      }
    }
    if (complete) {
      return usable
        .filter((c) => checked.has(c.id))
        .map((c) => ({ ...c, target: { ...c.target, user: users.get(c.id) ?? '' } }));
    }
  }

  /** The login user box for one server; false when it was left with Escape or Back (the user unchanged). */
  async function askUser(server: RotationServer): Promise<boolean> {
    const user = await services.ui.input({
      title,
      prompt: vscode.l10n.t('User to log in as on {0} ({1})', server.name, server.target.host),
      value: users.get(server.id),
      validate: validateLoginUser,
    });
    if (user === undefined || user === BACK) return false;
    users.set(server.id, user.trim());
    return true;
  }
}

function serverLine(entry: ServerSummary): string {
  const { server, result, reachedAs } = entry;
  const where = `${server.name} (${reachedAs.user ? `${reachedAs.user}@` : ''}${reachedAs.host})`;
  if (!result.error) {
    return vscode.l10n.t('✓ {0}: new key installed and checked, old key removed and refused.', where);
  }
  const { step, message } = result.error;
  switch (step) {
    case 'reach':
      return vscode.l10n.t('✗ {0}: could not log in with the old key; nothing changed there. {1}', where, message);
    case 'install':
      return vscode.l10n.t(
        '✗ {0}: the new key could not be installed; the old key still works there. {1}',
        where,
        message,
      );
    case 'verify':
      return vscode.l10n.t(
        '✗ {0}: the new key was added but its login could not be confirmed; its entries and the old key stay. {1}',
        where,
        message,
      );
    case 'config':
      return vscode.l10n.t(
        '✗ {0}: the new key works, but its SSH config entries could not be changed; the old key stays. {1}',
        where,
        message,
      );
    case 'remove':
      return vscode.l10n.t('✗ {0}: the new key works, but the old key could not be removed. {1}', where, message);
    case 'revoke':
      return result.error.kind === 'still-accepted'
        ? vscode.l10n.t('✗ {0}: NOT revoked: the old key is {1}', where, message)
        : vscode.l10n.t('✗ {0}: the old key was removed, but its refusal could not be checked. {1}', where, message);
  }
}

/** Shows an unknown host key that the console could not vouch for; true when the user trusts it. */
async function trustHostKeys(
  services: Services,
  server: RotationServer,
  check: Extract<HostKeyCheck, { status: 'unverified' }>,
): Promise<boolean> {
  const answer = await services.messages.show('warning', describeUnverified(check, server.name), [TRUST_THIS_KEY], {
    modal: true,
    detail: vscode.l10n.t('SHA256 fingerprint: {0}', check.presented),
  });
  return answer === TRUST_THIS_KEY;
}

/** The final modal: what worked, what still needs the old key, and what may be deleted. */
async function confirmDeleteOld(
  services: Services,
  summary: RotationSummary,
  region: string | undefined,
): Promise<DeleteOldDecision> {
  const lines: string[] = [];
  lines.push(vscode.l10n.t('New key: {0}', summary.newPair.privatePath));
  for (const entry of summary.servers) {
    lines.push(serverLine(entry));
    for (const change of entry.configChanges) {
      const hosts = change.entries.map((e) => e.host || vscode.l10n.t('(global)')).join(', ');
      lines.push(vscode.l10n.t('  {0}: now uses the new key for {1}.', change.path, hosts));
    }
  }
  if (summary.servers.length === 0) lines.push(vscode.l10n.t('No servers were updated.'));
  if (summary.serversNotChosen.length > 0) {
    lines.push(vscode.l10n.t('Not chosen (still use the old key): {0}', summary.serversNotChosen.join(', ')));
  }
  for (const use of summary.stillUsingOldKey) {
    lines.push(
      vscode.l10n.t(
        'Still uses the old key: {0} line {1} ({2})',
        use.path,
        use.lines.join(', '),
        use.host || vscode.l10n.t('(global)'),
      ),
    );
  }
  for (const failure of summary.configFailures) {
    lines.push(vscode.l10n.t('Not checked or not changed: {0}: {1}', failure.path, failure.message));
  }
  for (const withheld of summary.choices.withheld) lines.push(...withheld.reasons);
  const buttons: Array<{ id: Exclude<DeleteOldDecision, 'keep'>; label: string }> = [];
  if (summary.choices.offered.includes('delete-pair')) {
    buttons.push({ id: 'delete-pair', label: vscode.l10n.t('Delete Old Key Pair') });
  }
  if (summary.choices.offered.includes('delete-pair-and-private-key')) {
    lines.push(
      vscode.l10n.t('"Delete Old Key Pair and Its Private Key File" also deletes: {0}', summary.oldFiles.join(', ')),
    );
    buttons.push({
      id: 'delete-pair-and-private-key',
      label: vscode.l10n.t('Delete Old Key Pair and Its Private Key File'),
    });
  }
  const failed = summary.servers.some((s) => s.result.error);
  const labels = buttons.map((b) => b.label);
  const accepting = summary.servers.filter((s) => mayStillAccept(s.result)).map((s) => s.server.name);
  const answer = await services.messages.show(
    failed ? 'warning' : 'info',
    accepting.length > 0
      ? vscode.l10n.t(
          'Key pair "{0}" is not replaced everywhere: the old key may still log in to {1}. The old key pair is kept.',
          summary.oldPair.name,
          accepting.join(', '),
        )
      : region
        ? vscode.l10n.t(
            'Key pair "{0}" was replaced by "{1}" in region {2}. Delete the old key pair "{0}" from region {2}?',
            summary.oldPair.name,
            summary.newPair.name,
            region,
          )
        : vscode.l10n.t(
            'Key pair "{0}" was replaced by "{1}". Delete the old key pair "{0}" from the cloud?',
            summary.oldPair.name,
            summary.newPair.name,
          ),
    labels,
    { modal: true, detail: lines.join('\n') },
  );
  const index = answer === undefined ? -1 : labels.indexOf(answer);
  return buttons[index]?.id ?? 'keep';
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
  const notRevoked = result.servers.filter((s) => s.result.error?.kind === 'still-accepted').map((s) => s.server.name);
  if (notRevoked.length > 0) {
    void services.messages.show(
      'warning',
      vscode.l10n.t(
        'The old key of "{0}" still logs in to {1}: it is authorized outside ~/.ssh/authorized_keys. The rotation is not complete there.',
        result.oldPair.name,
        notRevoked.join(', '),
      ),
    );
  }
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
