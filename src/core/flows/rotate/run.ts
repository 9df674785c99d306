/**
 * Rotate Key Pair: a new pair replaces an old one, server by server, and nobody is locked
 * out. Pure core: no `vscode` import; every question (the new pair, which servers, an unknown
 * host key, the old key's passphrase, deleting the old pair) is injected by the shell.
 *
 * Order, so that nothing is lost on failure:
 *  0. The old private key is checked before anything changes: a key protected by a passphrase
 *     is used through the agent that holds it, else its passphrase is asked once and the key is
 *     loaded into a private, short-lived ssh-agent (never stored); no answer stops here.
 *  1. The new pair is created (the shell passes Create's flow, following keypairs.passphrase).
 *  2. Each chosen server, reached as the user's ssh reaches it (the user's SSH config, its Host
 *     alias), goes through remoteKeys.ts `rotateOnServer`: login with the old key, install the
 *     new key with the old line's options, verify the new key, only then point that server's
 *     own config entries (any file reached through Include) at the new key, remove the old line,
 *     and check that the old key is now refused. A server that fails keeps its entries and the
 *     old key.
 *  3. Entries that name the old key but are no chosen server's are never changed: they are
 *     listed. Only then `confirmDeleteOld` decides, among the options {@link deletionChoices}
 *     allows, whether the old pair (and its private key file) is deleted.
 */
import * as fs from 'node:fs/promises';
import { removeKeyFiles } from '../../keys/keyFiles';
import {
  checkHostKey,
  describeMismatch,
  describeUnpinnable,
  describeUnreachable,
  HostKeyCheck,
  pinUnverified,
} from '../hostKeyCheck';
import type { ConsoleHostKeysRead } from '../../api/console';
import { decryptPrivateKey, PrivateKeyError, readPrivateKey } from '../../keys/opensshKey';
import { addToAgent } from '../../ssh/agent';
import { agentHoldsKey, PrivateAgent, startPrivateAgent } from '../../ssh/privateAgent';
import { RetargetedEntry, retargetIdentityFile } from '../../ssh/config/retarget';
import { resolveIdentityArgument, sshHome } from '../../ssh/config/paths';
import { updateConfigFile } from '../../ssh/config/file';
import { ConfigTree, configArgsNow, readConfigTree } from '../../ssh/config/tree';
import type { ServerAddress } from '../../servers/addresses';
import {
  Identity,
  RemoteFailureKind,
  ServerRotationResult,
  SshRunOptions,
  SshTarget,
  rotateOnServer,
  sshConfigValues,
} from '../../ssh/remoteKeys';
import {
  DeleteOldDecision,
  DeletionChoices,
  EntryUse,
  deletionChoices,
  entriesUsing,
  isDefaultKeyFile,
  serverAlias,
  serverEntryBlocks,
  serverEntryFilter,
} from './plan';
import { UserSafeError } from '../../base/userSafe';
import * as l10n from '../../base/l10n';

export type { DeleteOldDecision, DeletionChoices, EntryUse } from './plan';

/** The pair being replaced. */
export interface OldKeyPair {
  name: string;
  privatePath: string;
  /** Absent when unknown; defaults to `<privatePath>.pub` when deleting files. */
  publicPath?: string;
  /** One OpenSSH public key line. */
  publicKey: string;
}

/** The new pair, as Create's flow made it. */
export interface NewKeyPair {
  name: string;
  privatePath: string;
  publicKey: string;
  /** The passphrase the new private key was written with (in memory only, for the private agent). */
  passphrase?: string;
}

/** A server that uses the old pair, and how to log in to it. */
export interface RotationServer {
  id: string;
  /** Display name (plain text; the shell makes it safe to show). */
  name: string;
  /**
   * Its address (`host`) and login user. The user's SSH config decides the rest: when a Host
   * entry has this address as HostName, ssh is given that alias instead.
   */
  target: SshTarget;
  /** The address `target.host` was taken from, when known (for showing its kind). */
  address?: ServerAddress;
}

export interface ConfigChange {
  /** The file written (a symlink's target). */
  path: string;
  entries: RetargetedEntry[];
}

export interface ConfigFailure {
  path: string;
  message: string;
}

export interface ServerSummary {
  server: RotationServer;
  /** How ssh was pointed at it (its alias, or its address). */
  reachedAs: SshTarget;
  result: ServerRotationResult;
  /** The entries of this server moved to the new key. */
  configChanges: ConfigChange[];
}

/** What worked and what did not, before the user decides about the old pair. */
export interface RotationSummary {
  oldPair: OldKeyPair;
  newPair: NewKeyPair;
  servers: ServerSummary[];
  /** Servers of the pair that were not chosen (or can't be reached), by name. */
  serversNotChosen: string[];
  /** Entries that still name the old private key afterwards (another server's, a global one, a failed server's). */
  stillUsingOldKey: EntryUse[];
  /** Config files or lines that could not be read or changed. */
  configFailures: ConfigFailure[];
  /** The local files the old pair's "and its private key file" option deletes (full paths). */
  oldFiles: string[];
  /** What the final question may offer, and why an option is missing. */
  choices: DeletionChoices;
}

export interface RotateKeyPairOptions {
  oldPair: OldKeyPair;
  /** Creates the new pair (the shell passes Create's flow); undefined when the user cancelled. */
  createNewPair(): Promise<NewKeyPair | undefined>;
  /** The servers to update (the shell asks which). */
  servers: readonly RotationServer[];
  /** Servers of the pair that were not chosen, by name (for the summary and the deletion rules). */
  serversNotChosen?: readonly string[];
  /** The one SSH config (`sshConfigTarget()`) and the ssh arguments that select it (`sshConfigArgs`). */
  config: { path: string; args: readonly string[] };
  /**
   * The old private key is protected by a passphrase and no agent holds it: ask for it once.
   * Undefined (or absent) stops the rotation before anything changed.
   */
  askOldPassphrase?(): Promise<string | undefined>;
  /**
   * Reads a server's console for its host keys (the shell passes `readHostKeysFromConsole`). A
   * host key that is not known yet is checked against it first: verified keys are pinned where
   * ssh looks for that host, a mismatch stops the server. Absent: no console to verify with.
   */
  readConsole?(server: RotationServer): Promise<ConsoleHostKeysRead>;
  /**
   * A server's host key is unknown and its console can't vouch for it: show its fingerprint;
   * true pins it. Absent: such a server stops at its first step.
   */
  trustHostKeys?(server: RotationServer, check: Extract<HostKeyCheck, { status: 'unverified' }>): Promise<boolean>;
  /** Regions other than this one that hold the same public key as a key pair; undefined when not known. */
  otherRegionsWithKey?(): Promise<string[] | undefined>;
  /** Deletes the old pair in the cloud; false when it was already gone. */
  deleteOldPairOnServer(name: string): Promise<boolean>;
  /** Asked once everything else is done; nothing of the old pair is deleted before. */
  confirmDeleteOld(summary: RotationSummary): Promise<DeleteOldDecision>;
  /** Home folder for `~` in configs (default: the passwd home, as ssh). */
  home?: string;
  ssh?: SshRunOptions;
  /** SSH_AUTH_SOCK of the user's agent (default: the environment's). */
  agentSocket?: string;
  /** Progress lines (never key material). */
  progress?(message: string): void;
}

export interface RotateKeyPairResult extends RotationSummary {
  decision: DeleteOldDecision;
  /** The old pair was deleted in the cloud (false when kept or already gone). */
  oldPairDeleted: boolean;
  /** The old private key file (and its .pub) were deleted. */
  oldFilesDeleted: boolean;
  /** Set when deleting the old pair or its files failed (the rest is done). */
  deleteError?: string;
}

/** The rotation stopped before anything changed; `message` says why. */
export class RotationStopped extends UserSafeError {
  override name = 'RotationStopped';
}

/** The default name of the new pair: `<old>-<yyyymmdd>` (UTC date). */
export function defaultRotatedName(oldName: string, now: Date = new Date()): string {
  const yyyy = String(now.getUTCFullYear()).padStart(4, '0');
  const mm = String(now.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(now.getUTCDate()).padStart(2, '0');
  return `${oldName}-${yyyy}${mm}${dd}`;
}

/** True when every server took the new key and refuses the old one. */
export function allServersRotated(summary: RotationSummary): boolean {
  return summary.servers.every((s) => s.result.error === undefined);
}

/**
 * True when the server may still accept the old key: it is authorized outside
 * ~/.ssh/authorized_keys, or its removal or the check that it is refused failed.
 */
export function mayStillAccept(result: ServerRotationResult): boolean {
  const error = result.error;
  return error !== undefined && (error.kind === 'still-accepted' || error.step === 'remove' || error.step === 'revoke');
}

/** The failure kind of a server, if it failed. */
export function serverFailure(summary: ServerSummary): RemoteFailureKind | undefined {
  return summary.result.error?.kind;
}

/** A private agent started on first use, stopped by the rotation's end. */
class AgentHolder {
  private agent: PrivateAgent | undefined;
  async socketFor(key: string, passphrase: string, comment: string): Promise<string> {
    this.agent ??= await startPrivateAgent();
    await addToAgent(key, { socket: this.agent.socket, passphrase, comment, lifetimeSeconds: 3600 });
    return this.agent.socket;
  }
  async stop(): Promise<void> {
    await this.agent?.stop();
  }
}

/** How ssh can use the old private key, decided before anything changes (see the file comment). */
async function oldIdentity(options: RotateKeyPairOptions, agents: AgentHolder): Promise<Identity> {
  const file = options.oldPair.privatePath;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new RotationStopped(
      l10n.t('The old private key {0} cannot be read ({1}): nothing was changed.', file, errCode(err)),
    );
  }
  try {
    readPrivateKey(text);
    return { file, agent: 'none' };
  } catch (err) {
    if (!(err instanceof PrivateKeyError) || err.code !== 'encrypted') {
      // Not a format this extension reads: ssh may still read it.
      return { file, agent: 'none' };
    }
  }
  if (await agentHoldsKey(options.oldPair.publicKey, options.agentSocket ?? process.env.SSH_AUTH_SOCK)) {
    return options.agentSocket ? { file, agent: options.agentSocket } : file;
  }
  const passphrase = await options.askOldPassphrase?.();
  if (!passphrase) {
    throw new RotationStopped(
      l10n.t(
        'The old private key {0} is protected by a passphrase and no ssh-agent holds it: nothing was changed. Add it to your agent (ssh-add) or enter its passphrase.',
        file,
      ),
    );
  }
  try {
    await decryptPrivateKey(text, passphrase);
  } catch (err) {
    if (err instanceof PrivateKeyError) {
      throw new RotationStopped(l10n.t('{0} Nothing was changed.', err.message));
    }
    throw err;
  }
  return { file, agent: await agents.socketFor(text, passphrase, options.oldPair.name) };
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

/** Where `target` logs in, as the user's SSH config resolves it: address, port and user. */
async function endpointOf(target: SshTarget, ssh: SshRunOptions | undefined): Promise<string> {
  const values = await sshConfigValues(target, ssh);
  const first = (k: string) => values.get(k)?.[0] ?? '';
  return `${first('user')}@${first('hostname').toLowerCase()}:${first('port')}`;
}

/**
 * Points the server's own entries in every file of the tree at the new key: the Host blocks
 * that name it and, resolved by ssh, log in where it was reached (same address, port and
 * user; not another account or another sshd on that address). Throws on the first write
 * that fails. Afterwards the user's ssh must offer the new key for it: when the config still
 * gives it only the old key (an IdentityFile outside its own entry, or ssh's default key
 * file), this throws, and the old key stays on the server so that `ssh` keeps working.
 */
async function moveServerEntries(
  configPath: string,
  server: { alias?: string; address: string },
  reachedAs: SshTarget,
  change: { oldPath: string; newPath: string },
  context: { home: string; ssh: SshRunOptions | undefined },
  changes: ConfigChange[],
): Promise<void> {
  const { home } = context;
  const tree = await readConfigTree(configPath, { home });
  const where = await endpointOf(reachedAs, context.ssh);
  const same = new Set<string>();
  for (const block of serverEntryBlocks(tree, server)) {
    if (block.alias === undefined) continue;
    try {
      const there = await endpointOf({ host: block.alias, configArgs: reachedAs.configArgs }, context.ssh);
      if (there === where) same.add(block.key);
    } catch {
      // ssh can't resolve that pattern: not an entry that logs in there
    }
  }
  const inBlock = serverEntryFilter(server, same);
  for (const source of tree.sources) {
    let entries: RetargetedEntry[] = [];
    const written = await updateConfigFile(source.path, (content) => {
      if (!content) return undefined;
      const edit = retargetIdentityFile(content, change, { home, inBlock });
      entries = edit.changed;
      return edit.changed.length > 0 ? edit.text : undefined;
    });
    if (written.written) changes.push({ path: written.path, entries });
  }
  const offered = ((await sshConfigValues(reachedAs, context.ssh)).get('identityfile') ?? []).map((f) =>
    resolveIdentityArgument(f, home),
  );
  const named = (file: string) => offered.includes(resolveIdentityArgument(file, home));
  if (named(change.oldPath) && !named(change.newPath)) {
    throw new Error(
      l10n.t(
        "Your SSH config still gives ssh only the old key for {0} (an IdentityFile outside its own entry, or ssh's default key file): the old key stays on the server so that ssh keeps logging in. Point that IdentityFile at the new key, then rotate again.",
        reachedAs.host,
      ),
    );
  }
}

/**
 * A server's host key is not known: checked against its console first (see
 * ./hostKeyCheck), pinned where ssh looks for `reachedAs` (its UserKnownHostsFile, its
 * HostKeyAlias), then the login is tried again with strict checking; undefined when pinned.
 */
async function hostKeyUnknown(
  options: RotateKeyPairOptions,
  server: RotationServer,
  reachedAs: SshTarget,
  home: string,
): Promise<{ kind: RemoteFailureKind; message: string } | undefined> {
  const check = await checkHostKey({
    host: reachedAs.host,
    port: reachedAs.port,
    configArgs: [...(reachedAs.configArgs ?? [])],
    knownHostsFile: reachedAs.knownHostsFile,
    home,
    readConsole: () =>
      options.readConsole
        ? options.readConsole(server)
        : Promise.resolve({ status: 'none', ignoredLines: 0, requests: 0 }),
    sshPath: options.ssh?.sshPath,
  });
  switch (check.status) {
    case 'verified':
    case 'known':
      return undefined;
    case 'mismatch':
      return { kind: 'host-key-mismatch', message: describeMismatch(check, server.name) };
    case 'unpinnable':
      return { kind: 'host-key-unknown', message: describeUnpinnable(check, server.name) };
    case 'unreachable':
      return {
        kind: check.reason === 'timeout' ? 'timeout' : 'unreachable',
        message: describeUnreachable(check, server.name),
      };
    case 'unverified':
      if (options.trustHostKeys && (await options.trustHostKeys(server, check)) && (await pinUnverified(check))) {
        return undefined;
      }
      return { kind: 'host-key-unknown', message: l10n.t("The server's host key was not accepted.") };
  }
}

/**
 * Runs a rotation (see the file comment). Returns undefined when `createNewPair` was
 * cancelled: then nothing changed. Throws {@link RotationStopped} when the old key can't be
 * used (nothing changed); errors of `createNewPair` propagate (nothing changed).
 */
export async function rotateKeyPair(options: RotateKeyPairOptions): Promise<RotateKeyPairResult | undefined> {
  const say = (message: string): void => options.progress?.(message);
  const home = options.home ?? sshHome();
  const agents = new AgentHolder();
  try {
    say(l10n.t('Checking the old private key…'));
    const oldId = await oldIdentity(options, agents);
    say(l10n.t('Creating the new key pair…'));
    const newPair = await options.createNewPair();
    if (!newPair) return undefined;
    const newId: Identity = newPair.passphrase
      ? {
          file: newPair.privatePath,
          agent: await agents.socketFor(
            await fs.readFile(newPair.privatePath, 'utf8'),
            newPair.passphrase,
            newPair.name,
          ),
        }
      : { file: newPair.privatePath, agent: 'none' };
    const change = { oldPath: options.oldPair.privatePath, newPath: newPair.privatePath };

    const configFailures: ConfigFailure[] = [];
    let tree: ConfigTree = { main: options.config.path, sources: [], problems: [] };
    try {
      tree = await readConfigTree(options.config.path, { home });
    } catch (err) {
      configFailures.push({ path: options.config.path, message: err instanceof Error ? err.message : String(err) });
    }
    for (const problem of tree.problems) configFailures.push(problem);
    const configArgs = await configArgsNow(options.config.path, options.config.args);

    const servers: ServerSummary[] = [];
    for (const server of options.servers) {
      say(l10n.t('Updating server {0}…', server.name));
      const address = server.target.host;
      const alias = serverAlias(tree, address);
      const reachedAs: SshTarget = {
        ...server.target,
        ...(alias !== undefined ? { host: alias, port: undefined } : {}),
        configArgs,
      };
      if (alias !== undefined) delete reachedAs.port;
      const configChanges: ConfigChange[] = [];
      const result = await rotateOnServer(
        reachedAs,
        {
          oldIdentity: oldId,
          oldPublicKey: options.oldPair.publicKey,
          newIdentity: newId,
          newPublicKey: newPair.publicKey,
        },
        options.ssh,
        {
          hostKeyUnknown: () => hostKeyUnknown(options, server, reachedAs, home),
          // A stale pin: the same check names both fingerprints (it never replaces the pin).
          hostKeyChanged: () => hostKeyUnknown(options, server, reachedAs, home),
          moveEntries: () =>
            moveServerEntries(
              options.config.path,
              { ...(alias ? { alias } : {}), address },
              reachedAs,
              change,
              { home, ssh: options.ssh },
              configChanges,
            ),
        },
      );
      servers.push({ server, reachedAs, result, configChanges });
    }

    // What still names the old key, read again after every write.
    let stillUsingOldKey: EntryUse[] = [];
    try {
      stillUsingOldKey = entriesUsing(
        await readConfigTree(options.config.path, { home }),
        options.oldPair.privatePath,
        { home },
      );
    } catch (err) {
      configFailures.push({ path: options.config.path, message: err instanceof Error ? err.message : String(err) });
    }
    let otherRegions: string[] | undefined;
    try {
      otherRegions = options.otherRegionsWithKey ? await options.otherRegionsWithKey() : undefined;
    } catch {
      otherRegions = undefined;
    }
    const serversNotChosen = [...(options.serversNotChosen ?? [])];
    const choices = deletionChoices({
      serversNeedingOldKey: servers.filter((s) => !s.result.entriesMoved).map((s) => s.server.name),
      serversStillAccepting: servers.filter((s) => mayStillAccept(s.result)).map((s) => s.server.name),
      serversNotChosen,
      entriesStillUsingOldKey: stillUsingOldKey,
      ...(isDefaultKeyFile(options.oldPair.privatePath, home) ? { oldKeyIsDefault: options.oldPair.privatePath } : {}),
      otherRegions,
    });
    const oldFiles = [options.oldPair.privatePath, options.oldPair.publicPath ?? `${options.oldPair.privatePath}.pub`];
    const summary: RotationSummary = {
      oldPair: options.oldPair,
      newPair,
      servers,
      serversNotChosen,
      stillUsingOldKey,
      configFailures,
      oldFiles,
      choices,
    };
    const answer = await options.confirmDeleteOld(summary);
    // Only what was offered counts.
    const decision: DeleteOldDecision = answer !== 'keep' && choices.offered.includes(answer) ? answer : 'keep';
    const result: RotateKeyPairResult = { ...summary, decision, oldPairDeleted: false, oldFilesDeleted: false };
    if (decision === 'keep') return result;
    try {
      say(l10n.t('Deleting the old key pair…'));
      result.oldPairDeleted = await options.deleteOldPairOnServer(options.oldPair.name);
    } catch (err) {
      // The old pair stays, so its private key file must stay too.
      result.deleteError = err instanceof Error ? err.message : String(err);
      return result;
    }
    if (decision === 'delete-pair-and-private-key') {
      try {
        await removeKeyFiles({ privatePath: oldFiles[0] ?? options.oldPair.privatePath, publicPath: oldFiles[1] });
        result.oldFilesDeleted = true;
      } catch (err) {
        result.deleteError = err instanceof Error ? err.message : String(err);
      }
    }
    return result;
  } finally {
    await agents.stop();
  }
}
