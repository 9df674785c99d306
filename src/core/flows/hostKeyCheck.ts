/**
 * First contact with a server, verified: the host key it presents is checked against the keys
 * its console printed at first boot (cloud-init), and pinned where the user's ssh reads it for
 * that host (`ssh -G`: the entry's UserKnownHostsFile and HostKeyAlias, else the user's
 * known_hosts). Used by Connect, Rotate and Trust Host Key…; each asks and tells on its own.
 *
 * Order: read the console and the presented key (through ssh, so the entry's HostName, Port and
 * ProxyJump apply) side by side, then
 * - the console lists the presented key (or its fingerprint): pin the console's keys, unless the
 *   known-hosts file already pins other keys for that name (a stop);
 * - the console lists other keys: a stop, with both sides' SHA256 fingerprints;
 * - the console lists none (booting, an image without cloud-init, not readable): the key is
 *   already pinned (accepted before), or the user is shown its fingerprint and decides
 *   ({@link pinUnverified} only when they accept). Never `StrictHostKeyChecking=no`.
 * Pure core: no `vscode` import.
 */
import { ConsoleHostKeysRead } from '../api/console';
import { ConsoleHostKeys } from '../servers/consoleHostKeys';
import type { ConfigEntry } from './hostEntry';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as l10n from '../base/l10n';
import { displayPath } from '../keys/keyFiles';
import {
  compareHostKey,
  connectionDifferences,
  KnownHostsFor,
  knownHostsFor,
  pinHostKeys,
  planPins,
  PresentedHostKey,
  presentedHostKey,
} from '../ssh/knownHosts';

/** Why the console gave nothing to verify against. */
export type ConsoleGap =
  'none' | 'truncated' | 'not-ready' | 'no-console' | 'forbidden' | 'not-supported' | 'server-not-found' | 'error';

/** Where the keys are pinned: the file, the name they are looked up by, hashed or not. */
export interface PinPlace {
  file: string;
  name: string;
  hash: boolean;
}

export type HostKeyCheck =
  /** The console lists the presented key: the console's keys are pinned (`added` new lines). */
  | { status: 'verified'; presented: string; place: PinPlace; added: number }
  /** The console can't vouch, but the presented key is already pinned (the user accepted it before). */
  | { status: 'known'; presented: string; place: PinPlace }
  /** A stop: the presented key is not what the console lists (`console`) or what is pinned (`pinned`). */
  | { status: 'mismatch'; presented: string; expected: string[]; source: 'console' | 'pinned'; place: PinPlace }
  /** Nothing to verify against: ask, and {@link pinUnverified} only when the user accepts. */
  | { status: 'unverified'; presented: string; key: string; gap: ConsoleGap; place: PinPlace }
  /** The SSH config has ssh read no known-hosts file for the host (`UserKnownHostsFile /dev/null`): nothing is pinned. */
  | { status: 'unpinnable'; presented: string; file: string }
  /**
   * ssh could not get to the key exchange, or (`master`) a connection the user's ControlMaster
   * keeps open for the host would carry the login without one: nothing is pinned.
   */
  | { status: 'unreachable'; reason: 'no-ssh' | 'timeout' | 'no-key' | 'master'; detail: string };

export interface HostKeyCheckOptions {
  /** What ssh is given: the Host alias of the entry (or the address). */
  host: string;
  /** `-p`, for an address without an entry. */
  port?: number;
  /** Pin here instead of the file `ssh -G` names (a login that passes its own UserKnownHostsFile). */
  knownHostsFile?: string;
  /** `['-F', path]` for a config other than ssh's default. */
  configArgs?: string[];
  /** The passwd home ssh expands `~` with. */
  home: string;
  /** Reads the server's console (`readHostKeysFromConsole`); a throw counts as `error`. */
  readConsole(): Promise<ConsoleHostKeysRead>;
  /** Trust Host Key…: keys pinned before for the name are replaced by verified ones. */
  replace?: boolean;
  sshPath?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Told about a console that could not be read (for the log; never shown as it is). */
  consoleError?(err: unknown): void;
  /**
   * Started before the entry was written (Connect, {@link prefetchHostKey}): its console read
   * is used instead of `readConsole`, and its contact when it reached the same connection as
   * `host` resolves to now. Used once.
   */
  prefetched?: HostKeyPrefetch;
  /** Told whether the prefetched contact was used, or which options made it another connection. */
  prefetchUse?(note: string): void;
}

/**
 * A first look at a server's host key, started while the user still answers Connect's steps:
 * the console read (once the server is known) and a key-exchange-only contact with the address
 * (once it is picked; another address replaces it), through ssh as {@link presentedHostKey}
 * does, with the `ssh -G` resolution it was made under. {@link checkHostKey} uses the contact
 * only for a host that resolves to the same connection (see `connectionDifferences`); else it
 * contacts again. Nothing is pinned from it: the check still compares the key with the console.
 */
export interface HostKeyPrefetch {
  /** Starts the contact with `address` (nothing when it is the one under way; another one is cancelled). */
  contact(address: string): void;
  /**
   * The entry for `host` is written: what `ssh -G` says for it (`resolved`: the entry check's own
   * `ssh -G`, shared) and whether a ControlMaster of the user's runs for it are asked now, beside
   * the entry's own check, instead of after it.
   */
  written(host: string, resolved?: Promise<string>): void;
  /** Stops what is under way (its ssh ends, its temporary file goes); its results are not used. */
  cancel(): void;
  /** @internal For {@link checkHostKey}: takes what was started (once). */
  take(): PrefetchedParts | undefined;
}

interface PrefetchedParts {
  console: Promise<ConsoleHostKeysRead>;
  contact?: { address: string; where: Promise<KnownHostsFor>; presented: Promise<PresentedHostKey> };
  /** Asked once the entry was written (see {@link HostKeyPrefetch.written}), with the config it was asked under. */
  resolved?: { host: string; configArgs?: string[]; where: Promise<KnownHostsFor>; master: Promise<boolean> };
  cancel(): void;
}

/** Starts reading the console now; see {@link HostKeyPrefetch}. */
export function prefetchHostKey(opts: {
  readConsole(signal: AbortSignal): Promise<ConsoleHostKeysRead>;
  configArgs?: string[];
  home: string;
  sshPath?: string;
  timeoutMs?: number;
}): HostKeyPrefetch {
  const all = new AbortController();
  const console = opts.readConsole(all.signal);
  console.catch(() => undefined); // read (or its error told) by the check that takes it
  let contact: (PrefetchedParts['contact'] & { abort: AbortController }) | undefined;
  let resolved: PrefetchedParts['resolved'];
  let taken = false;
  const quiet = <T>(p: Promise<T>) => (p.catch(() => undefined), p);
  return {
    contact(address) {
      if (taken || all.signal.aborted || contact?.address === address) return;
      contact?.abort.abort();
      const abort = new AbortController();
      const signal = AbortSignal.any([all.signal, abort.signal]);
      contact = {
        address,
        abort,
        where: quiet(
          knownHostsFor({ host: address, configArgs: opts.configArgs, home: opts.home, sshPath: opts.sshPath, signal }),
        ),
        presented: quiet(
          presentedHostKey({
            alias: address,
            configArgs: opts.configArgs,
            sshPath: opts.sshPath,
            timeoutMs: opts.timeoutMs,
            signal,
          }),
        ),
      };
    },
    written(host, shared) {
      if (taken || all.signal.aborted) return;
      const asked = { host, configArgs: opts.configArgs, sshPath: opts.sshPath, signal: all.signal };
      const where = quiet(knownHostsFor({ ...asked, home: opts.home, ...(shared && { resolved: shared }) }));
      resolved = { host, configArgs: opts.configArgs, where, master: masterFor(where, asked) };
    },
    cancel: () => all.abort(),
    take() {
      if (taken || all.signal.aborted) return undefined;
      taken = true;
      return { console, contact, resolved, cancel: () => all.abort() };
    },
  };
}

/**
 * The prefetched key when its contact reached the connection `where` describes, else undefined
 * (then the contact is stopped). `note` says which.
 */
async function reusable(
  contact: PrefetchedParts['contact'],
  where: KnownHostsFor,
  note: (line: string) => void,
): Promise<PresentedHostKey | undefined> {
  if (!contact) return undefined;
  const then = await contact.where.catch(() => undefined);
  const differs = then ? connectionDifferences(then.connection, where.connection) : ['ssh -G failed'];
  if (differs.length > 0) {
    note(`contact with ${contact.address} not used: ${differs.join(', ')} differ`);
    return undefined;
  }
  const presented = await contact.presented.catch(() => undefined);
  if (presented?.status !== 'presented') {
    note(`contact with ${contact.address} not used: ${presented ? presented.reason : 'stopped'}`);
    return undefined;
  }
  note(`contact with ${contact.address} used (started before the entry was written)`);
  return presented;
}

/** See the file comment. Throws only when cancelled, or when ssh can't resolve the host's settings. */
export async function checkHostKey(opts: HostKeyCheckOptions): Promise<HostKeyCheck> {
  const early = opts.prefetched?.take();
  const stop = () => early?.cancel();
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    return await check(opts, early);
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    early?.cancel(); // a contact not used ends now
  }
}

async function check(opts: HostKeyCheckOptions, early: PrefetchedParts | undefined): Promise<HostKeyCheck> {
  const console = (early?.console ?? opts.readConsole()).catch(
    (err: unknown): ConsoleHostKeysRead | { status: 'error' } => {
      if (opts.signal?.aborted) throw err;
      opts.consoleError?.(err);
      return { status: 'error' };
    },
  );
  const contact = () =>
    presentedHostKey({
      alias: opts.host,
      port: opts.port,
      configArgs: opts.configArgs,
      sshPath: opts.sshPath,
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
  // Asked for this very host and config when the entry was written, or now.
  const asked = early?.resolved;
  const same =
    asked !== undefined &&
    asked.host === opts.host &&
    opts.port === undefined &&
    JSON.stringify(asked.configArgs ?? []) === JSON.stringify(opts.configArgs ?? []);
  const whereNow = same
    ? asked.where
    : knownHostsFor({
        host: opts.host,
        port: opts.port,
        configArgs: opts.configArgs,
        home: opts.home,
        sshPath: opts.sshPath,
        signal: opts.signal,
      });
  // Without a prefetched contact, the contact starts at once, beside ssh -G and the console.
  const fresh = early?.contact ? undefined : contact();
  let parts;
  try {
    parts = await Promise.all([
      console,
      fresh ??
        whereNow.then(async (w) => (await reusable(early?.contact, w, (l) => opts.prefetchUse?.(l))) ?? contact()),
      whereNow,
      same ? asked.master : masterFor(whereNow, opts),
    ]);
  } catch (err) {
    // No ssh to ask where the pins go: the stop that says so, not a spawn error.
    if (!opts.signal?.aborted && (err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { status: 'unreachable', reason: 'no-ssh', detail: '' };
    }
    throw err;
  }
  const [read, presented, where, master] = parts;
  // The contacts run with ControlPath=none; the login would not: through a live master it meets no key at all.
  if (master) return { status: 'unreachable', reason: 'master', detail: '' };
  if (presented.status === 'failed')
    return { status: 'unreachable', reason: presented.reason, detail: presented.detail };
  const place: PinPlace = { file: opts.knownHostsFile ?? where.file, name: where.name, hash: where.hash };
  if (isNoFile(place.file)) return { status: 'unpinnable', presented: presented.sha256, file: place.file };
  const files = opts.knownHostsFile !== undefined ? [opts.knownHostsFile] : where.files;
  let gap: ConsoleGap = 'none';
  let keys: ConsoleHostKeys = { status: 'none', ignoredLines: 0 };
  if (read.status === 'error') gap = 'error';
  else if (read.status === 'unavailable') gap = read.problem;
  else if (read.status === 'truncated') gap = 'truncated';
  else keys = read;
  const verdict = compareHostKey(presented.key, keys);
  if (verdict.status === 'mismatch') {
    return { status: 'mismatch', presented: verdict.presented, expected: verdict.listed, source: 'console', place };
  }
  if (verdict.status === 'verified') {
    const plan = await pinHostKeys({ ...place, keys: verdict.pin, replace: opts.replace });
    if (plan.status === 'mismatch') {
      return { status: 'mismatch', presented: verdict.presented, expected: plan.pinned, source: 'pinned', place };
    }
    return {
      status: 'verified',
      presented: verdict.presented,
      place,
      added: plan.status === 'add' ? plan.keys.length : 0,
    };
  }
  let text = '';
  for (const file of files) {
    text += await fs.promises.readFile(file, 'utf8').then(
      (t) => (t.endsWith('\n') || t === '' ? t : `${t}\n`),
      () => '',
    );
  }
  const plan = planPins(text, place.name, [presented.key]);
  if (plan.status === 'unchanged') return { status: 'known', presented: verdict.presented, place };
  if (plan.status === 'mismatch' && !opts.replace) {
    return { status: 'mismatch', presented: verdict.presented, expected: plan.pinned, source: 'pinned', place };
  }
  return { status: 'unverified', presented: verdict.presented, key: presented.key, gap, place };
}

/** Whether a ControlMaster runs for the host: asked (`ssh -O check`) only when ssh -G names a ControlPath. */
function masterFor(
  where: Promise<KnownHostsFor>,
  opts: Pick<HostKeyCheckOptions, 'host' | 'port' | 'configArgs' | 'sshPath' | 'signal'>,
): Promise<boolean> {
  return where.then(
    (w) => (w.controlPath === undefined ? false : masterRunning(opts)),
    () => false, // ssh -G failed: the check itself says so
  );
}

/** Whether `ssh -O check` finds a ControlMaster running on the host's ControlPath (false when none is set). */
function masterRunning(
  opts: Pick<HostKeyCheckOptions, 'host' | 'port' | 'configArgs' | 'sshPath' | 'signal'>,
): Promise<boolean> {
  const args = [
    ...(opts.configArgs ?? []),
    '-O',
    'check',
    ...(opts.port !== undefined ? ['-p', String(opts.port)] : []),
    '--',
    opts.host,
  ];
  return new Promise((resolve) => {
    execFile(opts.sshPath ?? 'ssh', args, { timeout: 10_000, windowsHide: true, signal: opts.signal }, (err) =>
      resolve(!err),
    );
  });
}

/** `/dev/null`, `none`, the null device: a known-hosts file ssh reads nothing from and writes nothing to. */
function isNoFile(file: string): boolean {
  const f = file.toLowerCase();
  return f === 'none' || f === '/dev/null' || f === os.devNull.toLowerCase() || f === 'nul';
}

/** The stop of an `unpinnable` check: which setting, and what to do. `server`: its name (plain text). */
export function describeUnpinnable(check: Extract<HostKeyCheck, { status: 'unpinnable' }>, server: string): string {
  return l10n.t(
    'Nothing was pinned: your SSH config sets UserKnownHostsFile {0} for server "{1}", so ssh would check its host key against nothing. Change that setting first.',
    check.file,
    server,
  );
}

/** Pins the key of an `unverified` check the user accepted; false when the file changed to pin another meanwhile. */
export async function pinUnverified(
  check: Extract<HostKeyCheck, { status: 'unverified' }>,
  options: { replace?: boolean } = {},
): Promise<boolean> {
  const plan = await pinHostKeys({ ...check.place, keys: [check.key], replace: options.replace });
  return plan.status !== 'mismatch';
}

/** Whether checking the console again may help (a server still booting, a console cut short). */
export function retryMayHelp(gap: ConsoleGap): boolean {
  return gap === 'none' || gap === 'truncated' || gap === 'not-ready' || gap === 'error';
}

/** Why the console could not vouch for the key, as a sentence. */
export function describeGap(gap: ConsoleGap): string {
  switch (gap) {
    case 'none':
      return l10n.t(
        'Its console lists no host keys: a new server prints them when its first boot ends, and an image without cloud-init never does.',
      );
    case 'truncated':
      return l10n.t('Its console holds only part of the host key list.');
    case 'not-ready':
      return l10n.t('Its console cannot be read while the server is not running.');
    case 'no-console':
    case 'not-supported':
      return l10n.t('The cloud offers no console for it.');
    case 'forbidden':
      return l10n.t('This account may not read its console.');
    case 'server-not-found':
      return l10n.t('The cloud no longer knows this server.');
    case 'error':
      return l10n.t('Its console could not be read.');
  }
}

/** The stop of a mismatch: both fingerprints and what it may mean. `server`: its name (plain text). */
export function describeMismatch(check: Extract<HostKeyCheck, { status: 'mismatch' }>, server: string): string {
  const expected = check.expected.join(', ');
  const first =
    check.source === 'console'
      ? l10n.t(
          'Nothing was opened: server "{0}" presents the host key {1}, but its console lists {2}.',
          server,
          check.presented,
          expected,
        )
      : l10n.t(
          'Nothing was opened: server "{0}" presents the host key {1}, but {2} holds {3} for it.',
          server,
          check.presented,
          displayPath(check.place.file),
          expected,
        );
  return `${first} ${l10n.t(
    'The server may have been reinstalled, its address may now belong to another server, or someone may be intercepting the connection. If you know it was reinstalled, use Trust Host Key… on it.',
  )}`;
}

/** The question of an unverified key: it could not be verified, why, and its fingerprint. */
export function describeUnverified(check: Extract<HostKeyCheck, { status: 'unverified' }>, server: string): string {
  return `${l10n.t('The host key of server "{0}" could not be verified.', server)} ${describeGap(check.gap)} ${l10n.t(
    "It presents {0}. Trust it only if you know it is this server's key: it is then saved in {1}.",
    check.presented,
    displayPath(check.place.file),
  )}`;
}

/** Why ssh could not get to the key exchange. */
export function describeUnreachable(check: Extract<HostKeyCheck, { status: 'unreachable' }>, server: string): string {
  if (check.reason === 'no-ssh') {
    return l10n.t(
      'Nothing was opened: ssh was not found, so the host key of server "{0}" could not be checked.',
      server,
    );
  }
  if (check.reason === 'master') {
    return l10n.t(
      'Nothing was opened: a connection your SSH config keeps open (ControlMaster) would carry the login to server "{0}" without checking its host key. End it (ssh -O exit with the same host) and try again.',
      server,
    );
  }
  return check.detail
    ? l10n.t(
        'Nothing was opened: server "{0}" could not be reached to check its host key ({1}). A new server may still be booting.',
        server,
        check.detail,
      )
    : l10n.t(
        'Nothing was opened: server "{0}" could not be reached to check its host key. A new server may still be booting.',
        server,
      );
}

/**
 * The Host alias to check a server's key through (Trust Host Key…): our entry for it (its
 * HostKeyAlias is the server's, else its HostName is one of the server's addresses), or
 * undefined (then its best address is given to ssh, and the key goes where ssh -G says).
 */
export function serverEntryAlias(
  entries: readonly ConfigEntry[],
  server: { hostKeyAlias?: string; addresses: readonly string[] },
): string | undefined {
  const ours = entries.filter((e) => e.ours);
  const alias = server.hostKeyAlias?.toLowerCase();
  const byAlias = alias ? ours.find((e) => e.options.get('hostkeyalias')?.value.toLowerCase() === alias) : undefined;
  const addresses = server.addresses.map((a) => a.toLowerCase());
  const byAddress = ours.find((e) => addresses.includes(e.options.get('hostname')?.value.toLowerCase() ?? ''));
  return (byAlias ?? byAddress)?.patterns[0];
}
