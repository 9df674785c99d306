/**
 * What Connect to Server… and Add to SSH Config decide about a host alias, from the SSH
 * config as ssh reads it (the target file and every file it `Include`s, in order): which
 * alias to suggest, why a typed one can't be used or deserves a warning, and whether the entry
 * written really wins (`ssh -G`) and if not, which entry wins and where. How the host is
 * opened is Connect's (./connect). Pure: no `vscode` import; the commands only ask and tell.
 */
import * as l10n from '../base/l10n';
import { displayPath } from '../keys/keyFiles';
import { checkConfigWord, suggestAlias } from '../ssh/config/words';
import { configBlocks, matchesPatternList } from '../ssh/config/parse';
import { HOST_ENTRY_MARKER } from '../ssh/config/hostEntry';
import { SshCheck, SshOptionDifference } from '../ssh/config/check';
import type { OurEntrySeen } from '../ssh/config/hostEntry';
import { blocksInReadOrder, ConfigSource, ConfigTree } from '../ssh/config/tree';

/** A line in one of the files ssh reads. */
export interface ConfigPlace {
  path: string;
  /** 1-based. */
  line: number;
}

/** One block of the config ssh reads for a host: global lines, a `Host` line or a `Match` line. */
export interface ConfigEntry {
  kind: 'preamble' | 'host' | 'match';
  /** Host patterns, or the `Match host`/`originalhost` lists (empty for the preamble and other Match criteria). */
  patterns: string[];
  place: ConfigPlace;
  /** A `Host <alias>` entry this extension wrote (its marker comment) in the file it writes. */
  ours: boolean;
  /** The first value of each option it sets (keyword lower-case), with its line and all its arguments. */
  options: Map<string, { value: string; line: number; args?: string[] }>;
}

/** Every block of the config tree, in the order ssh reads them (the main file is the one written). */
export function configEntries(tree: ConfigTree): ConfigEntry[] {
  const bySource = new Map<string, { lines: string[]; starts: number[] }>();
  const layout = (source: ConfigSource) => {
    let known = bySource.get(source.path);
    if (!known) {
      known = {
        lines: source.text.split(/\r\n|\n|\r/),
        starts: configBlocks(source.text).map((b) => b.line),
      };
      bySource.set(source.path, known);
    }
    return known;
  };
  return blocksInReadOrder(tree).map(({ source, block }) => {
    const { lines, starts } = layout(source);
    const next = starts.find((line) => line > block.line) ?? lines.length + 1;
    const options = new Map<string, { value: string; line: number; args?: string[] }>();
    for (const option of block.options) {
      if (!options.has(option.keyword)) {
        options.set(option.keyword, { value: option.args[0] ?? '', line: option.line, args: option.args });
      }
    }
    let marked = false;
    for (let i = block.line; i < next - 1; i++) marked ||= (lines[i] ?? '').trim() === HOST_ENTRY_MARKER;
    const main = !source.includedFrom;
    return {
      kind: block.kind,
      patterns: block.patterns,
      place: { path: source.path, line: block.line },
      ours: block.kind === 'host' && block.patterns.length === 1 && main && marked,
      options,
    };
  });
}

/** True if the entry's patterns take `alias` (a Host line's `!pattern` vetoes it; `Match host` ignores case, as ssh). */
function applies(entry: ConfigEntry, alias: string): boolean {
  if (entry.kind === 'preamble') return true;
  if (entry.kind === 'host') return matchesPatternList(entry.patterns, alias);
  const lower = alias.toLowerCase();
  return entry.patterns.some((p) => !p.startsWith('!') && matchesPatternList([p.toLowerCase()], lower));
}

/** True if the entry names `alias` itself: a Host pattern (with case) or a `Match host` name (without, as ssh compares). */
function names(entry: ConfigEntry, alias: string): boolean {
  if (entry.kind === 'host') return entry.patterns.includes(alias);
  const lower = alias.toLowerCase();
  return entry.kind === 'match' && entry.patterns.some((p) => p.toLowerCase() === lower);
}

/** A pattern made only of wildcards (`*`) says nothing about which hosts it is for. */
const namesSomething = (pattern: string) => /[^*?!]/.test(pattern);

/** What the config already says about an alias. */
export type AliasOwner =
  /** The user's own `Host` line or `Match host` list names it: it is theirs. */
  | { kind: 'user'; entry: ConfigEntry }
  /** Our entry for it, in the file we write; `hostName` is where it points. */
  | { kind: 'ours'; entry: ConfigEntry; hostName?: string }
  | undefined;

/**
 * Who has `alias` in the config ssh reads: the user's own entry naming it (in any file, a
 * `Match Host=web` too), else ours, else nobody.
 */
export function aliasOwner(alias: string, entries: readonly ConfigEntry[]): AliasOwner {
  const user = entries.find((e) => !e.ours && names(e, alias));
  if (user) return { kind: 'user', entry: user };
  const ours = entries.find((e) => e.ours && e.patterns[0] === alias);
  const hostName = ours?.options.get('hostname')?.value.replace(/%%/g, '%');
  return ours ? { kind: 'ours', entry: ours, hostName } : undefined;
}

/**
 * What the user sees of our entry for `alias` when choosing it (none, or where it points):
 * passed to the write, which then changes nothing if another window changed it meanwhile.
 */
export function ourEntrySeen(alias: string, entries: readonly ConfigEntry[]): OurEntrySeen {
  const owner = aliasOwner(alias, entries);
  if (owner?.kind !== 'ours') return null;
  return owner.hostName !== undefined ? { hostName: owner.hostName } : {};
}

const where = (place: ConfigPlace) => displayPath(place.path);

/** Why `alias` can't be written (the word rules, or the user's own entry has it), or undefined. */
export function aliasProblem(alias: string, entries: readonly ConfigEntry[]): string | undefined {
  const word = checkConfigWord(alias, 'alias');
  if (word) return word;
  const owner = aliasOwner(alias, entries);
  if (owner?.kind === 'user') {
    return l10n.t(
      '"{0}" is already your own entry in {1}, line {2}: "ssh {0}" would keep going where it says. Choose another alias.',
      alias,
      where(owner.entry.place),
      owner.entry.place.line,
    );
  }
  return undefined;
}

/**
 * Why `alias` deserves a second thought before it is written for a server at `hostName`,
 * or undefined: our own entry for it points at another address (writing moves it; only when
 * `hostName` is known); a pattern of the user's matches it (the hosts that entry is for would be captured); or it
 * has a dot (it can be a real host name, whose connections it would capture).
 */
export function aliasWarning(alias: string, entries: readonly ConfigEntry[], hostName?: string): string | undefined {
  const owner = aliasOwner(alias, entries);
  if (owner?.kind === 'ours' && (hostName === undefined || owner.hostName !== hostName)) {
    const { place } = owner.entry;
    const points = owner.hostName ?? alias;
    // Add to SSH Config asks the address after the alias (hostName unknown): replacing our entry may move it.
    return hostName === undefined
      ? l10n.t(
          'Host "{0}" in {1}, line {2}, is the entry for {3}. Press Enter again to replace it.',
          alias,
          where(place),
          place.line,
          points,
        )
      : l10n.t(
          'Host "{0}" in {1}, line {2}, is the entry for {3}. Press Enter again to point it at {4} instead.',
          alias,
          where(place),
          place.line,
          points,
          hostName,
        );
  }
  const shadowed = entries.find(
    (e) => e.kind !== 'preamble' && !e.ours && applies(e, alias) && e.patterns.some(namesSomething),
  );
  if (shadowed) {
    return l10n.t(
      '"{0}" matches "{1}" in {2}, line {3}: the host {0} that entry is meant for would be reached at this server instead. Press Enter again to use it anyway.',
      alias,
      shadowed.patterns.join(' '),
      where(shadowed.place),
      shadowed.place.line,
    );
  }
  const canonical = canonicalShadow(alias, entries);
  if (canonical) {
    return l10n.t(
      '"{0}" is short for {1} here (CanonicalizeHostname with CanonicalDomains), the host of your entry in {2}, line {3}: while this entry exists, "ssh {0}" reaches this server instead. Press Enter again to use it anyway.',
      alias,
      canonical.name,
      where(canonical.entry.place),
      canonical.entry.place.line,
    );
  }
  if (alias.includes('.')) {
    return l10n.t(
      '"{0}" can be a real host name: while this entry exists, "ssh {0}" and every other SSH connection to {0} (git, scp, rsync) reach this server instead. Press Enter again to use it anyway.',
      alias,
    );
  }
  return undefined;
}

/**
 * With `CanonicalizeHostname yes|always` and `CanonicalDomains`, "ssh web" was "ssh
 * web.<domain>" (when that name resolves): the user's entry naming such a name, if any.
 */
function canonicalShadow(
  alias: string,
  entries: readonly ConfigEntry[],
): { name: string; entry: ConfigEntry } | undefined {
  const first = (keyword: string) =>
    entries.find((e) => !e.ours && e.options.has(keyword) && applies(e, alias))?.options.get(keyword);
  const mode = first('canonicalizehostname')?.value.toLowerCase();
  if (mode !== 'yes' && mode !== 'always') return undefined;
  for (const domain of first('canonicaldomains')?.args ?? []) {
    const name = `${alias}.${domain}`;
    const entry = entries.find((e) => !e.ours && names(e, name));
    if (entry) return { name, entry };
  }
  return undefined;
}

/**
 * The Enter check of an alias box: `warning(alias)` keeps the box open once with its
 * message; Enter again with the same alias goes on (the user has read it and chose it).
 */
export function warnOnce(
  warning: (alias: string) => string | undefined,
): (alias: string) => Promise<string | undefined> {
  let warned: string | undefined;
  return (alias) => {
    const text = warning(alias);
    if (text === undefined || warned === alias) return Promise.resolve(undefined);
    warned = alias;
    return Promise.resolve(text);
  };
}

/**
 * The alias to suggest for a server named `name` at `hostName`: the name without dots or
 * characters an alias can't have; then `-2`, `-3`… until it is neither a name the config
 * already gives a meaning to (any file), nor our entry for another address, and, where one
 * is left, not matched by one of the user's patterns either. `avoid` lists aliases already
 * found not to work.
 */
export function suggestHostAlias(
  name: string,
  entries: readonly ConfigEntry[],
  hostName?: string,
  avoid: readonly string[] = [],
): string {
  const base = suggestAlias(name);
  const candidates = [base, ...Array.from({ length: 98 }, (_, i) => `${base}-${i + 2}`)];
  const free = (alias: string) => {
    if (avoid.includes(alias)) return false;
    const owner = aliasOwner(alias, entries);
    if (owner?.kind === 'user') return false;
    if (owner?.kind === 'ours') return hostName !== undefined && owner.hostName === hostName;
    return true;
  };
  // Best: nothing to warn about. Else (a pattern such as `web*` takes every candidate): free of
  // any name the config gives a meaning to, and the alias box warns about the pattern.
  return (
    candidates.find((alias) => free(alias) && aliasWarning(alias, entries, hostName) === undefined) ??
    candidates.find(free) ??
    `${base}-${Date.now().toString(36)}`
  );
}

/** What to do after `ssh -G`: open the host, or not (another entry wins), and what to say. */
export type ConnectVerdict =
  | { open: true; severity: 'info' | 'warning'; text: string }
  | {
      open: false;
      text: string;
      wins: Array<{ option: string; value: string; place?: ConfigPlace }>;
      /** False when what wins is set for every host (a global line, `Host *`, `Match all`): no alias avoids it. */
      anotherAliasHelps: boolean;
    };

const DESTINATION: ReadonlyArray<SshOptionDifference['option']> = ['HostName', 'User', 'Port'];
/** How the host key is checked: another value means the keys pinned for the server are not what ssh checks. */
const HOST_KEY_CHECK: ReadonlyArray<SshOptionDifference['option']> = [
  'UserKnownHostsFile',
  'HostKeyAlias',
  'StrictHostKeyChecking',
];

/**
 * Whether the host may be opened after `ssh -G` gave `check` for `alias`: not when another
 * HostName, User or Port wins (the session would go to another host, or as someone else);
 * then `wins` says what wins and where (the first block in `entries`, the config as read
 * after writing, that applies to the alias and sets that value). `describe` words the check
 * as Add to SSH Config does (a warning for a key that is not tried first).
 */
export function judgeSshCheck(
  check: SshCheck,
  alias: string,
  serverName: string,
  entries: readonly ConfigEntry[],
  describe: (check: SshCheck) => { severity: 'info' | 'warning'; text: string },
): ConnectVerdict {
  if (check.status === 'not-checked' && check.reason === 'failed') {
    // ssh itself could not read the config (an Include loop, a bad line, a Match exec that
    // hangs): what `ssh <alias>` would reach is unknown, so nothing is opened.
    return {
      open: false,
      wins: [],
      anotherAliasHelps: false,
      text: check.detail
        ? l10n.t('Nothing was opened: ssh could not read your SSH config to check "{0}": {1}', alias, check.detail)
        : l10n.t('Nothing was opened: ssh could not read your SSH config to check "{0}".', alias),
    };
  }
  const lost =
    check.status === 'overridden'
      ? check.differences.filter((d) => DESTINATION.includes(d.option) || HOST_KEY_CHECK.includes(d.option))
      : [];
  if (lost.length === 0) return { open: true, ...describe(check) };
  const found = lost.map((d) => ({ d, set: whereSet(d, alias, entries) }));
  const wins = found.map(({ d, set }) => ({ option: d.option, value: d.actual, place: set?.place }));
  const parts = wins.map((w) =>
    w.place
      ? l10n.t('{0} {1} (set in {2}, line {3})', w.option, w.value, displayPath(w.place.path), w.place.line)
      : l10n.t('{0} {1}', w.option, w.value),
  );
  const anotherAliasHelps = !found.some(({ set }) => set !== undefined && forEveryHost(set.entry));
  const hostKeys = lost.some((d) => HOST_KEY_CHECK.includes(d.option));
  return {
    open: false,
    wins,
    anotherAliasHelps,
    text: hostKeys
      ? l10n.t(
          'Nothing was opened: for "ssh {0}" another entry decides how the host key is checked: {1}. The keys pinned for server "{2}" would not be checked: change that entry first.',
          alias,
          parts.join('; '),
          serverName,
        )
      : anotherAliasHelps
        ? l10n.t(
            'Nothing was opened: for "ssh {0}" another entry wins: {1}. That is not server "{2}"; choose another alias.',
            alias,
            parts.join('; '),
            serverName,
          )
        : l10n.t(
            'Nothing was opened: for "ssh {0}" another entry wins: {1}. It applies to every host, so no alias reaches server "{2}": change that entry first.',
            alias,
            parts.join('; '),
            serverName,
          ),
  };
}

/** True for global lines, a `Host` line whose patterns are only wildcards (`*`), a `Match` without host names (`all`, `exec`…). */
function forEveryHost(entry: ConfigEntry): boolean {
  if (entry.kind === 'preamble') return true;
  const positive = entry.patterns.filter((p) => !p.startsWith('!'));
  if (entry.kind === 'match' && positive.length === 0) return true;
  return positive.length > 0 && positive.every((p) => /^\*+$/.test(p));
}

/** The first block ssh reads for `alias` that sets the value it resolved, and the line that sets it. */
function whereSet(
  d: SshOptionDifference,
  alias: string,
  entries: readonly ConfigEntry[],
): { entry: ConfigEntry; place: ConfigPlace } | undefined {
  const keyword = d.option.toLowerCase();
  // A HostName may say `%h` (the name typed); ssh lower-cases host names.
  const expand = (v: string) => v.replace(/%([%h])/g, (_all, c: string) => (c === 'h' ? alias : '%'));
  // Host key options: ssh -G shows them resolved (`no` is `false`, `~` expanded); the first that applies wins.
  const same = (v: string) =>
    HOST_KEY_CHECK.includes(d.option) ||
    (keyword === 'hostname' ? expand(v).toLowerCase() === d.actual.toLowerCase() : v === d.actual);
  const candidates = entries.filter((e) => !e.ours && e.options.has(keyword));
  const found =
    candidates.find((e) => applies(e, alias) && same(e.options.get(keyword)?.value ?? '')) ??
    candidates.find((e) => e.kind === 'match' && e.patterns.length === 0 && same(e.options.get(keyword)?.value ?? ''));
  const option = found?.options.get(keyword);
  return found && option ? { entry: found, place: { path: found.place.path, line: option.line } } : undefined;
}
