/**
 * The one `Host` entry this extension owns for an alias: what may be written, where it takes
 * effect (before the first block that would win over it), updating it in place, and writing it
 * to the config file. Everything not ours stays byte-identical.
 */
import * as path from 'node:path';
import * as l10n from '../../base/l10n';
import { KeyFileError } from '../../keys/keyFiles';
import { errnoCode, resolveLink, toSshConfigFileError, updateConfigFile } from './file';
import {
  Block,
  ConfigLine,
  fromBytes,
  fromUtf8,
  lineText,
  matchesPatternList,
  parseConfig,
  ParsedConfig,
  toBytes,
  utf8,
} from './parse';
import { identityFileWord, sshHome } from './paths';
import { checkConfigWord, configWord, splitConfigArgs } from './words';

/** The comment that marks an entry this extension wrote (and may update). */
export const HOST_ENTRY_MARKER = '# Added by Server Key Pairs (VS Code)';

/** The entry this extension writes for an alias. */
export interface HostEntry {
  alias: string;
  hostName?: string;
  user?: string;
  port?: number;
  /** The private key file (absolute path). */
  identityFile: string;
  /**
   * Where ssh checks the host key for this entry: `UserKnownHostsFile <file>`, `HostKeyAlias
   * <alias>` (the name the keys are pinned under; absent: the address) and `StrictHostKeyChecking
   * yes` (ssh never asks: a key is pinned before the entry is used). Absent: those lines of an
   * existing entry are left as they are. `alsoRead`: more files ssh reads for this host after
   * `knownHostsFile` (the user's known_hosts, so that its `@revoked` lines apply; with a
   * HostKeyAlias its plain lines, written for addresses, name another host).
   */
  hostKeys?: { knownHostsFile: string; hostKeyAlias?: string; alsoRead?: readonly string[] };
}

/** What {@link planHostEntry} decided; `text` is the whole new file. */
export type HostEntryPlan =
  | { outcome: 'added' | 'updated' | 'unchanged'; text: Buffer; line: number }
  | { outcome: 'exists'; line: number }
  /** Our entry for the alias is not what the user saw when choosing it (another window wrote it meanwhile). */
  | { outcome: 'taken'; line: number; hostName?: string };

/**
 * What the user saw of our own entry for an alias when choosing it: none (`null`), or one
 * pointing at `hostName` (undefined: it had no HostName line). See {@link planHostEntry}.
 */
export type OurEntrySeen = { hostName?: string } | null;

/**
 * Why `entry` can't be written, or undefined (see {@link checkConfigWord}).
 */
export function checkHostEntry(entry: HostEntry): string | undefined {
  return (
    checkConfigWord(entry.alias, 'alias') ??
    (entry.hostName !== undefined ? checkConfigWord(entry.hostName, 'host') : undefined) ??
    (entry.user !== undefined ? checkConfigWord(entry.user, 'user') : undefined) ??
    (entry.hostKeys?.hostKeyAlias !== undefined ? checkConfigWord(entry.hostKeys.hostKeyAlias, 'host') : undefined) ??
    (entry.port !== undefined && !(Number.isInteger(entry.port) && entry.port >= 1 && entry.port <= 65535)
      ? l10n.t('The port must be a whole number from 1 to 65535, not {0}.', entry.port)
      : undefined)
  );
}

/**
 * Writes or updates exactly one `Host <alias>` entry in the config text `config`:
 *
 * ```
 * Host <alias>
 *   # Added by Server Key Pairs (VS Code)
 *   HostName <hostName>        (if given)
 *   User <user>                (if given)
 *   Port <port>                (if given)
 *   IdentityFile <identityFile>
 *   IdentitiesOnly yes
 * ```
 *
 * - An entry for `alias` with the marker is updated in place: only its HostName, User,
 *   Port, IdentityFile and IdentitiesOnly lines change (absent values are removed); other
 *   lines the user added to it stay.
 * - Any other `Host` line or `Match host` criterion naming `alias` (without case, as ssh
 *   compares `Match host`) is the user's: nothing changes (`exists`, with its 1-based line).
 * - With `ourEntry` (what the user saw when choosing the alias), our entry is only changed
 *   when it still points where they saw it, or already at `entry.hostName`; else nothing
 *   changes (`taken`, with the HostName it has now): another window wrote it meanwhile.
 * - A new entry goes where it takes effect, as ssh uses the first value it finds: before
 *   the first `Match` block and the first `Host` block whose patterns match the alias
 *   (`Host *`), so after the leading global lines and `Include`s; comment lines directly
 *   above that block stay with it. Without such a block it is appended.
 *
 * Every other byte stays as it was; new lines use the file's line ending (CRLF if its
 * first line ends so) and the indentation of its first indented option. Throws an Error
 * for an entry {@link checkHostEntry} refuses.
 */
export function planHostEntry(
  config: string | Uint8Array,
  entry: HostEntry,
  options: { home?: string; platform?: NodeJS.Platform; ourEntry?: OurEntrySeen } = {},
): HostEntryPlan {
  const problem = checkHostEntry(entry);
  if (problem) throw new Error(problem);
  const home = options.home ?? sshHome();
  const text = toBytes(config);
  const parsed = parseConfig(text);
  const values: Array<[string, string | undefined]> = [
    ['HostName', entry.hostName !== undefined ? configWord(entry.hostName, { tokens: true }) : undefined],
    ['User', entry.user !== undefined ? configWord(entry.user, { tokens: false }) : undefined],
    ['Port', entry.port !== undefined ? String(entry.port) : undefined],
    ['IdentityFile', identityFileWord(entry.identityFile, home, options.platform)],
    ['IdentitiesOnly', 'yes'],
  ];
  if (entry.hostKeys) {
    values.push(
      [
        'UserKnownHostsFile',
        [entry.hostKeys.knownHostsFile, ...(entry.hostKeys.alsoRead ?? [])]
          .map((file) => identityFileWord(file, home, options.platform))
          .join(' '),
      ],
      ['HostKeyAlias', entry.hostKeys.hostKeyAlias],
      ['StrictHostKeyChecking', 'yes'],
    );
  }
  const ours = parsed.blocks.find((b) => {
    const line = parsed.lines[b.first];
    const single = line !== undefined && line.args.length === 1 && line.args[0] === entry.alias;
    return b.kind === 'host' && single && isMarked(parsed, b);
  });
  for (const b of parsed.blocks) {
    const line = parsed.lines[b.first];
    if (b !== ours && b.kind !== 'preamble' && line && namesAlias(line, entry.alias)) {
      return { outcome: 'exists', line: b.first + 1 };
    }
  }
  if (ours && options.ourEntry !== undefined) {
    const now = blockHostName(parsed, ours);
    const asSeen = options.ourEntry !== null && now === options.ourEntry.hostName;
    if (!asSeen && (now === undefined || now !== entry.hostName)) {
      return { outcome: 'taken', line: ours.first + 1, ...(now !== undefined ? { hostName: now } : {}) };
    }
  }
  const indent = detectIndent(parsed);
  if (ours) return updateBlock(text, parsed, ours, values, indent);

  const target = parsed.blocks.find((b) => {
    const line = parsed.lines[b.first];
    return (
      b.kind === 'match' || (b.kind === 'host' && line !== undefined && matchesPatternList(line.args, entry.alias))
    );
  });
  const block = [
    `Host ${entry.alias}`,
    `${indent}${HOST_ENTRY_MARKER}`,
    ...values.filter(([, v]) => v !== undefined).map(([k, v]) => `${indent}${k} ${v ?? ''}`),
  ];
  const eol = parsed.eol;
  if (!target) {
    let separator = '';
    if (text !== '') {
      if (!/[\r\n]$/.test(text)) separator += eol;
      if (!/(\r?\n|\r)[ \t]*(\r?\n|\r)$/.test(text + separator)) separator += eol;
    }
    const head = text + separator;
    const line = lineNumberAt(head, head.length);
    return { outcome: 'added', text: fromBytes(head + utf8(block.join(eol) + eol)), line };
  }
  // Comments directly above the block belong to it.
  let at = target.first;
  while (at > 0 && parsed.lines[at - 1]?.comment) at--;
  const before = at > 0 && lineText(parsed, at - 1).trim() !== '' ? eol : '';
  const offset = parsed.lines[at]?.start ?? text.length;
  const inserted = before + utf8(block.join(eol) + eol + eol);
  return {
    outcome: 'added',
    text: fromBytes(text.slice(0, offset) + inserted + text.slice(offset)),
    line: lineNumberAt(text, offset) + (before ? 1 : 0),
  };
}

/** The block's first HostName as written by us (`%%` is `%`), decoded from UTF-8. */
function blockHostName(parsed: ParsedConfig, block: Block): string | undefined {
  for (let i = block.first + 1; i < block.next; i++) {
    const line = parsed.lines[i];
    if (line?.keyword === 'hostname' && line.args[0] !== undefined) return fromUtf8(line.args[0]).replace(/%%/g, '%');
  }
  return undefined;
}

function updateBlock(
  text: string,
  parsed: ParsedConfig,
  block: Block,
  values: Array<[string, string | undefined]>,
  indent: string,
): HostEntryPlan {
  const wanted = new Map(values.map(([k, v]) => [k.toLowerCase(), { keyword: k, value: v, done: false }]));
  const edits: Array<{ from: number; to: number; text: string }> = [];
  let lastOption = block.first;
  for (let i = block.first + 1; i < block.next; i++) {
    const line = parsed.lines[i];
    if (!line?.keyword) continue;
    lastOption = i;
    const want = wanted.get(line.keyword);
    if (!want) continue;
    if (want.value === undefined || want.done) {
      edits.push({ from: line.start, to: line.end, text: '' });
    } else {
      want.done = true;
      const current = text.slice(line.argsStart, line.contentEnd).replace(/[ \t\f]+$/, '');
      const value = utf8(want.value);
      // One value per keyword, but UserKnownHostsFile takes a list (ours, then the user's).
      if (line.args.length !== splitConfigArgs(value).length || current !== value) {
        edits.push({ from: line.start, to: line.contentEnd, text: `${indent}${want.keyword} ${value}` });
      }
    }
  }
  const missing = [...wanted.values()].filter((w) => !w.done && w.value !== undefined);
  if (missing.length > 0) {
    const after = parsed.lines[lastOption];
    const at = after ? after.end : text.length;
    const needsEol = after !== undefined && after.end === after.contentEnd;
    const added = missing.map((w) => `${indent}${w.keyword} ${utf8(w.value ?? '')}${parsed.eol}`).join('');
    edits.push({ from: at, to: at, text: (needsEol ? parsed.eol : '') + added });
  }
  if (edits.length === 0) return { outcome: 'unchanged', text: fromBytes(text), line: block.first + 1 };
  edits.sort((a, b) => b.from - a.from || b.to - a.to);
  let out = text;
  for (const e of edits) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return { outcome: 'updated', text: fromBytes(out), line: block.first + 1 };
}

/** 1-based number of the line that starts at `offset`. */
function lineNumberAt(text: string, offset: number): number {
  return (text.slice(0, offset).match(/\r\n|\n|\r/g)?.length ?? 0) + 1;
}

function detectIndent(parsed: ParsedConfig): string {
  for (const b of parsed.blocks) {
    if (b.kind === 'preamble') continue;
    for (let i = b.first + 1; i < b.next; i++) {
      const m = /^([ \t]+)\S/.exec(lineText(parsed, i));
      if (m && parsed.lines[i]?.keyword) return m[1] ?? '  ';
    }
  }
  return '  ';
}

/** True if the block's Host line or `Match host`/`originalhost` criterion names `alias` itself (not a pattern). */
function namesAlias(line: ConfigLine, alias: string): boolean {
  if (line.keyword === 'host') return line.args.includes(alias);
  if (line.keyword !== 'match') return false;
  // OpenSSH also reads `criterion=list` (`Match Host=web`) as one criterion and its list.
  const words = line.args.flatMap((arg) => {
    const eq = arg.indexOf('=');
    return eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg];
  });
  for (let i = 0; i + 1 < words.length; i++) {
    const criterion = (words[i] ?? '').toLowerCase();
    const list = (words[i + 1] ?? '').split(',');
    // ssh compares `Match host` lists without case (`Host` lines with case).
    const lower = alias.toLowerCase();
    if ((criterion === 'host' || criterion === 'originalhost') && list.some((n) => n.toLowerCase() === lower)) {
      return true;
    }
  }
  return false;
}

function isMarked(parsed: ParsedConfig, block: Block): boolean {
  for (let i = block.first + 1; i < block.next; i++) {
    const line = parsed.lines[i];
    if (line?.comment && lineText(parsed, i).trim() === HOST_ENTRY_MARKER) return true;
  }
  return false;
}

/** What {@link writeHostEntry} did; `path` is the file written (a symlink's target). */
export interface WriteHostEntryResult {
  outcome: HostEntryPlan['outcome'];
  /** 1-based line of the entry's Host line (or of the user's entry for `exists`). */
  line: number;
  path: string;
  /** For `taken`: where our entry points now. */
  hostName?: string;
}

/**
 * {@link planHostEntry} applied to the file `configPath` (the shell passes
 * `remote.SSH.configFile` when set, else `<sshDir>/config`). The file is replaced
 * atomically (temp file in its folder, then rename) with its mode kept; a symlinked
 * config is written at its target and stays a symlink. A missing file is created 0600
 * (its folder 0700). Nothing is written when the plan is `exists` or `unchanged`.
 * Throws an Error for an invalid entry and an {@link SshConfigFileError} when the file
 * can't be read or written (a folder or a device at its path, a file where one of its
 * folders should be, no permission…); then nothing was changed.
 */
export async function writeHostEntry(opts: {
  configPath: string;
  entry: HostEntry;
  home?: string;
  platform?: NodeJS.Platform;
  /** What the user saw of our entry for the alias (see {@link planHostEntry}); not checked when absent. */
  ourEntry?: OurEntrySeen;
}): Promise<WriteHostEntryResult> {
  const problem = checkHostEntry(opts.entry);
  if (problem) throw new Error(problem);
  const file = path.resolve(opts.configPath);
  let target = file;
  try {
    target = await resolveLink(file);
    let plan: HostEntryPlan | undefined;
    // Compare-and-swap (see updateConfigFile): planned again if the file changed meanwhile.
    await updateConfigFile(target, (content) => {
      plan = planHostEntry(content ?? Buffer.alloc(0), opts.entry, opts);
      return plan.outcome === 'exists' || plan.outcome === 'taken' || plan.outcome === 'unchanged'
        ? undefined
        : plan.text;
    });
    if (!plan) throw new Error('writeHostEntry: no plan');
    if (plan.outcome === 'exists' || plan.outcome === 'taken') return { ...plan, path: target };
    return { outcome: plan.outcome, line: plan.line, path: target };
  } catch (err) {
    if (isPlanError(err)) throw err;
    throw await toSshConfigFileError(err, target);
  }
}

/** An Error {@link planHostEntry} throws for a value it can't write (not a file problem). */
function isPlanError(err: unknown): boolean {
  return err instanceof Error && !(err instanceof KeyFileError) && errnoCode(err) === undefined;
}

/**
 * Appends a `Host` entry for a key to the config at `configPath` (see
 * {@link writeHostEntry}); `added` is false with `reason: 'exists'` when the alias is
 * already the user's own entry. Kept for the Add to SSH Config command.
 */
export async function addHostToSshConfig(opts: {
  configPath: string;
  alias: string;
  hostName?: string;
  user?: string;
  identityFile: string;
  home?: string;
  ourEntry?: OurEntrySeen;
}): Promise<{ added: boolean; reason?: 'exists' | 'taken'; result: WriteHostEntryResult }> {
  const { configPath, home, ourEntry, ...entry } = opts;
  const result = await writeHostEntry({
    configPath,
    entry,
    ...(home !== undefined ? { home } : {}),
    ...(ourEntry !== undefined ? { ourEntry } : {}),
  });
  return result.outcome === 'exists' || result.outcome === 'taken'
    ? { added: false, reason: result.outcome, result }
    : { added: true, result };
}
