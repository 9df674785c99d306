/**
 * The user's OpenSSH client config (`~/.ssh/config`, or `remote.SSH.configFile`): the
 * ssh_config word rules, `~/` paths, writing or updating the one `Host` entry this
 * extension owns for an alias (where it takes effect), pointing entries at a rotated key,
 * and checking the result with the real `ssh -G`. Everything not ours stays byte-identical.
 *
 * The pure functions work on bytes (`latin1` strings inside), so a config that is not
 * valid UTF-8 survives unchanged; only the lines written here are UTF-8.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserSafeError } from '../base/userSafe';
import * as l10n from '../base/l10n';
import { displayPath, ensureDirectory, KeyFileError, replaceFileIfUnchanged } from '../keys/keyFiles';

/** The comment that marks an entry this extension wrote (and may update). */
export const HOST_ENTRY_MARKER = '# Added by Server Key Pairs (VS Code)';

// ------------------------------------------------------------------ word rules

/** What a config word is for: a Host alias is also what the user types after `ssh`. */
export type ConfigWordKind = 'alias' | 'host' | 'user';

const ALIAS_CHARS = /^[A-Za-z0-9._-]$/;

/**
 * Why `value` can't be written as this kind of ssh_config word, or undefined. An alias
 * must mean itself on the `ssh` command line and in a `Host` line: no `@` (`ssh me@laptop`
 * means user `me` on host `laptop`), no leading `-` (an option), no pattern characters
 * (`*`, `?`, `!`), no quotes or spaces; only letters, digits, `.`, `_` and `-`.
 */
export function checkConfigWord(value: string, kind: ConfigWordKind): string | undefined {
  const say = WORD_MESSAGES[kind];
  if (value === '') return say.empty();
  if (/[\s\p{Cc}]/u.test(value)) return say.spaces();
  if (/["'`]/.test(value)) return say.quotes();
  if (value.startsWith('-')) return say.dash();
  if (kind === 'alias') {
    if (value.includes('@')) {
      const [user, host] = value.split('@', 2);
      return l10n.t(
        'The host alias can\'t contain "@": "ssh {0}" would mean user "{1}" on host "{2}".',
        value,
        user,
        host,
      );
    }
    const wildcard = /[*?!]/.exec(value);
    if (wildcard) {
      return l10n.t('The host alias can\'t contain "{0}": in an SSH config it makes a pattern.', wildcard[0]);
    }
    const bad = Array.from(value).findIndex((c) => !ALIAS_CHARS.test(c));
    if (bad >= 0) {
      const c = Array.from(value)[bad] ?? '';
      return l10n.t(
        '"{0}" at position {1} is not allowed in a host alias. Use letters, digits, ".", "_" and "-".',
        c,
        bad + 1,
      );
    }
    return undefined;
  }
  if (/[#\\]/.test(value)) {
    return kind === 'user'
      ? l10n.t('The user name can\'t contain "#" or "\\".')
      : l10n.t('The host name can\'t contain "#" or "\\".');
  }
  if (kind === 'user' && value.includes('%')) return l10n.t('The user name can\'t contain "%".');
  return undefined;
}

/**
 * The sentences every kind of word shares, whole for translators: the word's name
 * (`host alias`, `host name`, `user name`) is part of each (the `label` argument of
 * {@link checkConfigWord} is kept for its callers; the wording follows `kind`).
 */
const WORD_MESSAGES: Record<ConfigWordKind, Record<'empty' | 'spaces' | 'quotes' | 'dash', () => string>> = {
  alias: {
    empty: () => l10n.t('Enter a host alias.'),
    spaces: () => l10n.t("The host alias can't contain spaces or line breaks."),
    quotes: () => l10n.t("The host alias can't contain quotes."),
    dash: () => l10n.t('The host alias can\'t start with "-": ssh would read it as an option.'),
  },
  host: {
    empty: () => l10n.t('Enter a host name.'),
    spaces: () => l10n.t("The host name can't contain spaces or line breaks."),
    quotes: () => l10n.t("The host name can't contain quotes."),
    dash: () => l10n.t('The host name can\'t start with "-": ssh would read it as an option.'),
  },
  user: {
    empty: () => l10n.t('Enter a user name.'),
    spaces: () => l10n.t("The user name can't contain spaces or line breaks."),
    quotes: () => l10n.t("The user name can't contain quotes."),
    dash: () => l10n.t('The user name can\'t start with "-": ssh would read it as an option.'),
  },
};

/**
 * A host alias made from a name (a server's, a key file's): characters an alias can't have
 * become `-`, and so does `.`: an alias with a dot can be a real host name (`github.com`),
 * and an entry for it would send every connection to that host elsewhere.
 */
export function suggestAlias(fileBase: string): string {
  const alias = Array.from(fileBase)
    .map((c) => (ALIAS_CHARS.test(c) && c !== '.' ? c : '-'))
    .join('')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  return alias === '' ? 'server' : alias;
}

/**
 * `value` as one ssh_config argument: `%` doubled where ssh expands `%` tokens
 * (`tokens`), and in double quotes if it has a space or a character ssh_config treats
 * specially (`#`, `'`, `=`). Throws for what no quoting can carry portably (`"`, `\`,
 * control characters).
 */
export function configWord(value: string, options: { tokens: boolean }): string {
  if (value === '' || /["\\\p{Cc}]/u.test(value)) {
    throw new Error(
      `"${value}" can't be written in an SSH config: it is empty or has quotes, "\\" or control characters.`,
    );
  }
  const escaped = options.tokens ? value.replace(/%/g, '%%') : value;
  return /[\s#'=]/.test(escaped) ? `"${escaped}"` : escaped;
}

/**
 * Splits the arguments of one ssh_config line as OpenSSH's `argv_split` does: only space
 * and tab separate (a byte of 0x80 or more never does: `Р` in UTF-8 holds 0xA0), `"…"` and
 * `'…'` quote, `\` escapes only `\`, `'`, `"` (and a space outside quotes) and is kept
 * before anything else (`C:\Users\me` stays as written), and a word starting with `#`
 * begins a comment.
 */
export function splitConfigArgs(rest: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < rest.length) {
    while (i < rest.length && isConfigSpace(rest.charAt(i))) i++;
    if (i >= rest.length || rest.charAt(i) === '#') break;
    let word = '';
    let quote = '';
    for (; i < rest.length; i++) {
      const c = rest.charAt(i);
      const next = rest.charAt(i + 1);
      if (c === '\\' && (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' '))) {
        word += next;
        i++;
      } else if (quote === '' && isConfigSpace(c)) break;
      else if (quote === '' && (c === '"' || c === "'")) quote = c;
      else if (quote !== '' && c === quote) quote = '';
      else word += c;
    }
    args.push(word);
  }
  return args;
}

/** The bytes that separate words in ssh_config (OpenSSH: space and tab; `\r` `\n` `\f` end a line). */
export function isConfigSpace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\r' || char === '\n' || char === '\f';
}

// ------------------------------------------------------------------ paths

/**
 * The part of `file` under `home` with `/` separators (`.ssh/web`), or undefined when
 * `file` is not inside `home`. One rule for `~/` in the SSH config and on a command line.
 */
export function homeRelative(
  file: string,
  home: string,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (home === '') return undefined;
  const rel = p.relative(home, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${p.sep}`) || p.isAbsolute(rel)) return undefined;
  return platform === 'win32' ? rel.replace(/\\/g, '/') : rel;
}

/**
 * `file` as an IdentityFile argument: `~/…` under `home` (ssh expands `~` with the
 * account's home from the password database, which is what `home` should be), `/`
 * separators on Windows, `%` doubled, quoted when needed. Throws for `"`, control
 * characters, or `\` outside Windows.
 */
export function identityFileWord(file: string, home: string, platform: NodeJS.Platform = process.platform): string {
  if (platform !== 'win32' && file.includes('\\')) {
    throw new Error(`The identity file path can't contain "\\": ${file}`);
  }
  const rel = homeRelative(file, home, platform);
  const value = rel !== undefined ? `~/${rel}` : platform === 'win32' ? file.replace(/\\/g, '/') : file;
  return configWord(value, { tokens: true });
}

/**
 * The file an IdentityFile argument (already unquoted) names, for comparing spellings:
 * `~/`, `%d` and `${HOME}` become `home`, `%%` becomes `%`, the path is normalised.
 */
export function resolveIdentityArgument(
  value: string,
  home: string,
  platform: NodeJS.Platform = process.platform,
): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  let v = value.replace(/%([%d])/g, (_all, c: string) => (c === '%' ? '\0' : home)).replace(/\0/g, '%');
  v = v.replace(/\$\{HOME\}/g, home);
  if (v === '~') v = home;
  else if (v.startsWith('~/') || (platform === 'win32' && v.startsWith('~\\'))) v = p.join(home, v.slice(2));
  return p.normalize(v);
}

/** The home folder ssh uses for `~` (the password database entry), falling back to `os.homedir()`. */
export function sshHome(): string {
  try {
    return os.userInfo().homedir || os.homedir();
  } catch {
    return os.homedir();
  }
}

// ------------------------------------------------------------------ reading a config

interface ConfigLine {
  /** Offset of the line's first byte in the text. */
  start: number;
  /** Offset after the line's content (before its line ending). */
  contentEnd: number;
  /** Offset after its line ending. */
  end: number;
  /** Lower-cased keyword; undefined for blank and comment lines. */
  keyword?: string;
  args: string[];
  /** Offsets of the argument text (after the keyword and separator), for rewriting it. */
  argsStart: number;
  comment: boolean;
}

interface Block {
  /** 'preamble' is everything before the first Host/Match line. */
  kind: 'preamble' | 'host' | 'match';
  /** Index of the Host/Match line (or 0 for the preamble) and of the line after the block. */
  first: number;
  next: number;
}

interface ParsedConfig {
  text: string;
  lines: ConfigLine[];
  blocks: Block[];
  eol: string;
}

function parseConfig(text: string): ParsedConfig {
  const lines: ConfigLine[] = [];
  const re = /([^\r\n]*)(\r\n|\n|\r(?!\n)|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const [all, content = '', ending = ''] = m;
    const start = m.index;
    if (all === '' && start >= text.length) break;
    const line = parseLine(content, start);
    lines.push({ ...line, start, contentEnd: start + content.length, end: start + all.length });
    if (ending === '') break;
  }
  const blocks: Block[] = [{ kind: 'preamble', first: 0, next: lines.length }];
  lines.forEach((line, index) => {
    if (line.keyword !== 'host' && line.keyword !== 'match') return;
    const last = blocks[blocks.length - 1];
    if (last) last.next = index;
    blocks.push({ kind: line.keyword, first: index, next: lines.length });
  });
  const crlf = /^[^\n]*\r\n/.test(text);
  return { text, lines, blocks, eol: crlf ? '\r\n' : '\n' };
}

function parseLine(content: string, start: number): Omit<ConfigLine, 'start' | 'contentEnd' | 'end'> {
  const body = start === 0 ? content.replace(/^\uFEFF|^\xEF\xBB\xBF/, '') : content;
  const offset = content.length - body.length;
  const trimmed = body.replace(/^[ \t\f]+/, '');
  if (trimmed === '' || trimmed.startsWith('#')) return { args: [], argsStart: start, comment: trimmed !== '' };
  const m = /^([ \t\f]*)([A-Za-z][A-Za-z0-9]*)([ \t\f]*=[ \t\f]*|[ \t\f]+|$)/.exec(body);
  if (!m) return { keyword: '?', args: [], argsStart: start, comment: false };
  const argsStart = start + offset + m[0].length;
  const args = splitConfigArgs(body.slice(m[0].length));
  return { keyword: (m[2] ?? '').toLowerCase(), args, argsStart, comment: false };
}

/** One option line of a {@link ConfigBlock}. */
export interface ConfigOption {
  /** Lower-cased keyword. */
  keyword: string;
  /** Its arguments, unquoted (latin1 byte strings when the text was). */
  args: string[];
  /** 1-based line number. */
  line: number;
}

/** A block of an ssh_config text: the lines before the first Host/Match, or one Host/Match and its options. */
export interface ConfigBlock {
  kind: 'preamble' | 'host' | 'match';
  /** 1-based line of the Host/Match line (1 for the preamble). */
  line: number;
  /** The Host line's patterns, or the host names of a Match line's `host`/`originalhost` criteria. */
  patterns: string[];
  /** The Match line's arguments as written (empty for Host and the preamble). */
  criteria: string[];
  options: ConfigOption[];
}

/** The blocks of an ssh_config text, read with OpenSSH's word rules (a read-only view for the flows). */
export function configBlocks(text: string): ConfigBlock[] {
  const parsed = parseConfig(text);
  return parsed.blocks.map((block) => {
    const head = parsed.lines[block.first];
    const options: ConfigOption[] = [];
    const from = block.kind === 'preamble' ? block.first : block.first + 1;
    for (let i = from; i < block.next; i++) {
      const line = parsed.lines[i];
      if (line?.keyword && line.keyword !== '?') options.push({ keyword: line.keyword, args: line.args, line: i + 1 });
    }
    let patterns: string[] = [];
    let criteria: string[] = [];
    if (block.kind === 'host') patterns = head?.args ?? [];
    if (block.kind === 'match') {
      criteria = head?.args ?? [];
      for (let i = 0; i < criteria.length; i++) {
        const criterion = (criteria[i] ?? '').toLowerCase();
        // `Match host=web` (OpenSSH 9.9+) or `Match host web`.
        const eq = /^(host|originalhost)=(.*)$/i.exec(criteria[i] ?? '');
        if (eq) patterns.push(...(eq[2] ?? '').split(','));
        else if ((criterion === 'host' || criterion === 'originalhost') && i + 1 < criteria.length) {
          patterns.push(...(criteria[++i] ?? '').split(','));
        }
      }
      patterns = patterns.filter((p) => p !== '');
    }
    return { kind: block.kind, line: block.first + 1, patterns, criteria, options };
  });
}

/** True when `name` matches the OpenSSH pattern list `patterns` (`*`, `?`, `!` negation). */
export function matchesPatternList(patterns: readonly string[], name: string): boolean {
  return hostLineMatches(patterns, name);
}

/** OpenSSH's pattern match: `*` any run, `?` one character, case-sensitive. */
function globMatch(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(name);
}

/** True if a `Host` line with `patterns` applies to `alias` (a `!pattern` that matches vetoes). */
function hostLineMatches(patterns: readonly string[], alias: string): boolean {
  let positive = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), alias)) return false;
    } else if (globMatch(p, alias)) positive = true;
  }
  return positive;
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

function lineText(parsed: ParsedConfig, index: number): string {
  const line = parsed.lines[index];
  return line ? parsed.text.slice(line.start, line.contentEnd) : '';
}

// ------------------------------------------------------------------ who logs in where

/**
 * The login user of each `Host` block that uses `identityFile` (by any spelling of it), by
 * its HostName, lower-cased: what Connect (or the user) wrote for a server's address. A
 * block without HostName or User, with a user that is not a plain word, or using another key,
 * tells nothing. When two blocks name
 * the same HostName with different users, the first wins, as in ssh.
 */
export function loginUsersFor(text: string, identityFile: string, home: string): Map<string, string> {
  const parsed = parseConfig(text);
  const users = new Map<string, string>();
  const wanted = path.normalize(identityFile);
  for (const block of parsed.blocks) {
    if (block.kind !== 'host') continue;
    let hostName: string | undefined;
    let user: string | undefined;
    let usesKey = false;
    for (let i = block.first + 1; i < block.next; i++) {
      const line = parsed.lines[i];
      const value = line?.args[0];
      if (!line?.keyword || value === undefined) continue;
      if (line.keyword === 'hostname') hostName ??= value;
      else if (line.keyword === 'user') user ??= value;
      else if (line.keyword === 'identityfile') usesKey ||= resolveIdentityArgument(value, home) === wanted;
    }
    const key = hostName?.toLowerCase();
    // A user ssh would read as an option or expand (`-o…`, `%r`) is not offered: Rotate passes
    // the user to ssh on a command line, where the config's own rules don't apply.
    const usable = user !== undefined && checkConfigWord(user, 'user') === undefined;
    if (key && user && usable && usesKey && !users.has(key)) users.set(key, user);
  }
  return users;
}

// ------------------------------------------------------------------ one Host entry

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
   * existing entry are left as they are.
   */
  hostKeys?: { knownHostsFile: string; hostKeyAlias?: string };
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
      ['UserKnownHostsFile', identityFileWord(entry.hostKeys.knownHostsFile, home, options.platform)],
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
    return b.kind === 'match' || (b.kind === 'host' && line !== undefined && hostLineMatches(line.args, entry.alias));
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
      if (line.args.length !== 1 || current !== value) {
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

// ------------------------------------------------------------------ rotation

/** One entry {@link retargetIdentityFile} changed. */
export interface RetargetedEntry {
  /** The `Host`/`Match` line's arguments (`web1`, `host web*`), or '' for global lines. */
  host: string;
  /** 1-based line numbers of the IdentityFile lines changed in it. */
  lines: number[];
}

/** The head of a block, as {@link retargetIdentityFile}'s `inBlock` sees it. */
export interface BlockHead {
  kind: 'preamble' | 'host' | 'match';
  /** The Host patterns (or Match arguments), decoded from UTF-8. */
  patterns: string[];
  /** The block's first HostName, if any. */
  hostName?: string;
}

/**
 * True for a `Host` block that is one server's own entry: one of its patterns that is not a
 * wildcard or a negation names `alias` or `address`, or its HostName is `address`. Host names
 * compare without case, as ssh lower-cases them.
 */
export function isServerEntry(head: BlockHead, server: { alias?: string; address: string }): boolean {
  if (head.kind !== 'host') return false;
  const names = new Set([server.address, server.alias].filter((n): n is string => !!n).map((n) => n.toLowerCase()));
  if (head.hostName !== undefined && head.hostName.toLowerCase() === server.address.toLowerCase()) return true;
  return head.patterns.some((p) => !/[*?!]/.test(p) && names.has(p.toLowerCase()));
}

/**
 * Points every `IdentityFile` whose file is `oldPath` (any spelling: `~/.ssh/x`,
 * absolute, quoted, `%d/…`, `${HOME}/…`; on Windows `C:\Users\…` in either slash and any
 * case) at `newPath`, and `oldPath.pub` at `newPath.pub` — only in blocks `inBlock` accepts
 * (default: all). Only the argument of those lines changes; keyword, indentation, a trailing
 * comment and line endings stay, and every other byte too. `skipped` lists lines that name the
 * old key in an accepted block but can't be rewritten (more than one argument).
 */
export function retargetIdentityFile(
  config: string | Uint8Array,
  change: { oldPath: string; newPath: string },
  options: { home?: string; platform?: NodeJS.Platform; inBlock?: (head: BlockHead) => boolean } = {},
): { text: Buffer; changed: RetargetedEntry[]; skipped: RetargetedEntry[] } {
  const home = options.home ?? sshHome();
  const platform = options.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;
  const same = (file: string) => (platform === 'win32' ? file.toLowerCase() : file);
  const text = toBytes(config);
  const parsed = parseConfig(text);
  const oldResolved = p.normalize(change.oldPath);
  const targets = new Map([
    [same(oldResolved), change.newPath],
    [same(`${oldResolved}.pub`), `${change.newPath}.pub`],
  ]);
  const edits: Array<{ from: number; to: number; text: string }> = [];
  const changed: RetargetedEntry[] = [];
  const skipped: RetargetedEntry[] = [];
  for (const block of parsed.blocks) {
    const head = parsed.lines[block.first];
    const host = block.kind === 'preamble' ? '' : fromUtf8(head?.args.join(' ') ?? '');
    if (options.inBlock) {
      let hostName: string | undefined;
      for (let i = block.first + 1; i < block.next; i++) {
        const line = parsed.lines[i];
        if (line?.keyword === 'hostname' && line.args[0] !== undefined) {
          hostName = fromUtf8(line.args[0]);
          break;
        }
      }
      const patterns = block.kind === 'preamble' ? [] : (head?.args ?? []).map(fromUtf8);
      if (!options.inBlock({ kind: block.kind, patterns, ...(hostName !== undefined ? { hostName } : {}) })) continue;
    }
    const lines: number[] = [];
    const odd: number[] = [];
    for (let i = block.first; i < block.next; i++) {
      const line = parsed.lines[i];
      if (line?.keyword !== 'identityfile') continue;
      const named = line.args.map((a) => same(resolveIdentityArgument(fromUtf8(a), home, platform)));
      const replacement = named[0] === undefined ? undefined : targets.get(named[0]);
      if (line.args.length !== 1) {
        if (named.some((n) => targets.has(n))) odd.push(i + 1);
        continue;
      }
      if (replacement === undefined) continue;
      // The argument ends where a trailing comment (or trailing space) starts.
      const rest = text.slice(line.argsStart, line.contentEnd);
      const argEnd = line.argsStart + argumentLength(rest);
      edits.push({ from: line.argsStart, to: argEnd, text: utf8(identityFileWord(replacement, home, platform)) });
      lines.push(i + 1);
    }
    if (lines.length > 0) changed.push({ host, lines });
    if (odd.length > 0) skipped.push({ host, lines: odd });
  }
  edits.sort((a, b) => b.from - a.from);
  let out = text;
  for (const e of edits) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return { text: fromBytes(out), changed, skipped };
}

/**
 * Every line of `config` whose IdentityFile names `file` (any spelling), by block, for
 * listing the entries that still use a key.
 */
export function entriesUsingKey(
  config: string | Uint8Array,
  file: string,
  options: { home?: string; platform?: NodeJS.Platform } = {},
): RetargetedEntry[] {
  const probe = retargetIdentityFile(config, { oldPath: file, newPath: file }, options);
  const byHost = new Map<string, number[]>();
  for (const e of [...probe.changed, ...probe.skipped]) byHost.set(e.host, [...(byHost.get(e.host) ?? []), ...e.lines]);
  return [...byHost].map(([host, lines]) => ({ host, lines: lines.sort((a, b) => a - b) }));
}

/** Length of the first argument of `rest` as written (with its quotes), by {@link splitConfigArgs}' rules. */
function argumentLength(rest: string): number {
  let quote = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charAt(i);
    const next = rest.charAt(i + 1);
    if (c === '\\' && (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' '))) i++;
    else if (quote === '' && isConfigSpace(c)) return i;
    else if (quote === '' && (c === '"' || c === "'")) quote = c;
    else if (quote !== '' && c === quote) quote = '';
  }
  return rest.length;
}

// ------------------------------------------------------------------ bytes

function toBytes(config: string | Uint8Array): string {
  return (typeof config === 'string' ? Buffer.from(config, 'utf8') : Buffer.from(config)).toString('latin1');
}
function fromBytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
/** A JS string as the latin1 "byte string" of its UTF-8 encoding. */
function utf8(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}
function fromUtf8(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

// ------------------------------------------------------------------ the file

/** Why an SSH config file can't be read or written. */
export type ConfigFileProblem =
  | 'is-directory' // a folder is at the config's path
  | 'not-regular-file' // a device, pipe or socket is there: never replaced
  | 'parent-not-directory' // a file is where a folder of its path should be
  | 'permission'
  | 'read-only'
  | 'no-space'
  | 'io';

/**
 * An SSH config file could not be read or written; nothing was changed. `message` names
 * the file (or the part of its path at fault) and why, in words for the user.
 */
export class SshConfigFileError extends UserSafeError {
  override name = 'SshConfigFileError';
  constructor(
    readonly problem: ConfigFileProblem,
    /** The config file. */
    readonly file: string,
    /** The path at fault: the file, or the file standing where a folder should be. */
    readonly culprit: string,
    cause?: unknown,
  ) {
    super(configFileMessage(problem, file, culprit, cause), { cause });
  }
}

function configFileMessage(problem: ConfigFileProblem, file: string, culprit: string, cause: unknown): string {
  const shown = displayPath(file);
  switch (problem) {
    case 'is-directory':
      return l10n.t('{0} is a folder, not a file.', shown);
    case 'not-regular-file':
      return l10n.t('{0} is not a regular file (a device, pipe or socket); it is not replaced.', shown);
    case 'parent-not-directory':
      return l10n.t("{0} is a file, not a folder, so {1} can't be there.", displayPath(culprit), shown);
    case 'permission':
      return culprit === file
        ? l10n.t('No permission to write {0}.', shown)
        : l10n.t("No permission to write in {0}, so {1} can't be written.", displayPath(culprit), shown);
    case 'read-only':
      return l10n.t('{0} is on a read-only file system.', shown);
    case 'no-space':
      return l10n.t('Not enough disk space (or quota) to write {0}.', shown);
    case 'io': {
      const code = errnoCode(cause);
      return code ? l10n.t("{0} can't be written ({1}).", shown, code) : l10n.t("{0} can't be written.", shown);
    }
  }
}

function errnoCode(err: unknown): string | undefined {
  const direct = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof direct === 'string' && direct.startsWith('E')) return direct;
  // A KeyFileError carries the errno error as its cause.
  if (err instanceof Error && err.cause !== undefined) return errnoCode(err.cause);
  return undefined;
}

/** The first existing part of `file`'s path (from its folder up) that is not a folder, if any. */
async function fileInTheWay(file: string): Promise<string | undefined> {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const stat = await fs.stat(dir);
      return stat.isDirectory() ? undefined : dir;
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
    }
  }
  return undefined;
}

/**
 * An fs error (or KeyFileError) met reading or writing the SSH config `file` as a
 * {@link SshConfigFileError} that says which path is at fault and why.
 */
export async function toSshConfigFileError(err: unknown, file: string): Promise<SshConfigFileError> {
  if (err instanceof SshConfigFileError) return err;
  const code = errnoCode(err);
  const kind = err instanceof KeyFileError ? err.code : undefined;
  if (code === 'EISDIR') return new SshConfigFileError('is-directory', file, file, err);
  if (code === 'ENOTDIR' || code === 'EEXIST' || kind === 'not-directory') {
    const inTheWay = await fileInTheWay(file);
    if (inTheWay) return new SshConfigFileError('parent-not-directory', file, inTheWay, err);
  }
  if (code === 'EACCES' || code === 'EPERM' || kind === 'permission') {
    const culprit = err instanceof KeyFileError && err.path !== file ? err.path : file;
    return new SshConfigFileError('permission', file, culprit, err);
  }
  if (code === 'EROFS' || kind === 'read-only') return new SshConfigFileError('read-only', file, file, err);
  if (code === 'ENOSPC' || code === 'EDQUOT' || kind === 'no-space') {
    return new SshConfigFileError('no-space', file, file, err);
  }
  return new SshConfigFileError('io', file, file, err);
}

/** Writers of this process, per config file: one at a time. */
const configWriters = new Map<string, Promise<unknown>>();

/** How long a lock file of another writer is respected (a crashed writer leaves it behind). */
const STALE_LOCK_MS = 10_000;

async function sleep(ms: number): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/** Runs `work` holding `<file>.keypairs-lock` (O_EXCL), shared with other windows and processes. */
async function withLockFile<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lock = `${file}.keypairs-lock`;
  const started = Date.now();
  for (;;) {
    try {
      await (await fs.open(lock, 'wx', 0o600)).close();
      break;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const stat = await fs.stat(lock).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > STALE_LOCK_MS) await fs.rm(lock, { force: true });
      else if (Date.now() - started > STALE_LOCK_MS + 5_000) throw err;
      else await sleep(20 + Math.floor(Math.random() * 30));
    }
  }
  try {
    return await work();
  } finally {
    await fs.rm(lock, { force: true }).catch(() => undefined);
  }
}

/**
 * Changes the SSH config `file` (a symlink's target) with no update lost: `edit` gets the
 * current bytes (undefined when there is no file) and returns the new bytes, or undefined to
 * leave it. Writers of this extension take turns (in this process, and through a lock file
 * next to the config across processes); the write itself is a compare-and-swap: the new text
 * goes to a temp file that replaces the config only if the config still holds the bytes
 * `edit` saw, else `edit` runs again on what is there now (up to 20 times). The mode is kept;
 * a new file is 0600 in a 0700 folder. Throws {@link SshConfigFileError}; then the file is as
 * it was.
 */
export async function updateConfigFile(
  file: string,
  edit: (content: Buffer | undefined) => Buffer | undefined,
): Promise<{ path: string; written: boolean }> {
  let target = path.resolve(file);
  try {
    target = await resolveLink(target);
  } catch (err) {
    throw await toSshConfigFileError(err, target);
  }
  const previous = configWriters.get(target) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => casLoop(target, edit));
  configWriters.set(target, run);
  try {
    return await run;
  } finally {
    if (configWriters.get(target) === run) configWriters.delete(target);
  }
}

async function casLoop(
  target: string,
  edit: (content: Buffer | undefined) => Buffer | undefined,
): Promise<{ path: string; written: boolean }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const existing = await readConfigFile(target);
    const next = edit(existing?.content);
    if (next === undefined) return { path: target, written: false };
    try {
      if (!existing) await ensureDirectory(path.dirname(target));
      const swapped = await withLockFile(target, () =>
        replaceFileIfUnchanged(target, next, existing?.mode ?? 0o600, async () => {
          const now = await readConfigFile(target).catch(() => undefined);
          return existing === undefined ? now === undefined : now !== undefined && now.content.equals(existing.content);
        }),
      );
      if (swapped) return { path: target, written: true };
    } catch (err) {
      throw await toSshConfigFileError(err, target);
    }
    await sleep(5 + Math.floor(Math.random() * 20));
  }
  throw new SshConfigFileError(
    'io',
    target,
    target,
    Object.assign(new Error('The file kept changing while it was written'), { code: 'EAGAIN' }),
  );
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

/** Follows a chain of symlinks at `file` to the path that is really written (which may not exist yet). */
async function resolveLink(file: string): Promise<string> {
  let current = file;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      link = await fs.readlink(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Not a link, or nothing there (the write then says what is in the way).
      if (code === 'EINVAL' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'UNKNOWN') return current;
      throw err;
    }
    current = path.resolve(path.dirname(current), link);
  }
  throw new SshConfigFileError(
    'io',
    file,
    file,
    Object.assign(new Error('Too many levels of symbolic links'), { code: 'ELOOP' }),
  );
}

/**
 * The config's bytes and mode, or undefined when there is none. Only a regular file is
 * read: a folder, a device, a pipe or a socket at the path is an {@link SshConfigFileError}
 * (a pipe would block the read, and a device must never be replaced).
 */
export async function readConfigFile(file: string): Promise<{ content: Buffer; mode: number } | undefined> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw await toSshConfigFileError(err, file);
  }
  if (stat.isDirectory()) throw new SshConfigFileError('is-directory', file, file);
  if (!stat.isFile()) throw new SshConfigFileError('not-regular-file', file, file);
  try {
    return { content: await fs.readFile(file), mode: stat.mode & 0o7777 };
  } catch (err) {
    throw await toSshConfigFileError(err, file);
  }
}

// ------------------------------------------------------------------ ssh -G

/** One option where what ssh resolves is not what the entry says. */
export interface SshOptionDifference {
  option: 'HostName' | 'User' | 'Port' | 'IdentityFile' | 'IdentitiesOnly';
  expected: string;
  actual: string;
}

/** The verdict of {@link checkWithSsh}. */
export type SshCheck =
  | { status: 'effective' }
  | { status: 'overridden'; differences: SshOptionDifference[] }
  | { status: 'not-checked'; reason: 'no-ssh' | 'failed'; detail?: string };

/**
 * Asks the real ssh what it would use for `alias`: `ssh -G <configArgs> -- <alias>`, where
 * `configArgs` is `['-F', configPath]` unless given (the shell passes `sshConfigArgs(target)`:
 * nothing for the default `~/.ssh/config`, so the system's file is read too, as plain `ssh`
 * does), and compares HostName (the alias when none is given), User, Port, the first
 * IdentityFile and IdentitiesOnly with `entry`. Note that `ssh -G` runs `Match exec`
 * commands of the config, as any ssh call would. `ssh` missing or failing is
 * `not-checked`, never an exception.
 */
export async function checkWithSsh(opts: {
  configPath: string;
  /** How ssh is told which config to read (default `['-F', configPath]`). */
  configArgs?: readonly string[];
  entry: HostEntry;
  home?: string;
  platform?: NodeJS.Platform;
  sshPath?: string;
  timeoutMs?: number;
}): Promise<SshCheck> {
  const home = opts.home ?? sshHome();
  const platform = opts.platform ?? process.platform;
  let stdout: string;
  try {
    stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        opts.sshPath ?? 'ssh',
        ['-G', ...(opts.configArgs ?? ['-F', opts.configPath]), '--', opts.entry.alias],
        { timeout: opts.timeoutMs ?? 10_000, windowsHide: true, maxBuffer: 1024 * 1024, encoding: 'utf8' },
        (err, out, errOut) => (err ? reject(Object.assign(err, { stderrText: errOut })) : resolve(out)),
      );
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderrText?: string };
    if (e.code === 'ENOENT') return { status: 'not-checked', reason: 'no-ssh' };
    const firstLine = (e.stderrText ?? '').split(/\r?\n/).find((l) => l.trim() !== '' && !/^Pseudo-terminal/.test(l));
    return { status: 'not-checked', reason: 'failed', detail: (firstLine ?? e.message).slice(0, 300) };
  }
  const resolved = new Map<string, string[]>();
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    resolved.set(key, [...(resolved.get(key) ?? []), m[2] ?? '']);
  }
  const first = (key: string) => resolved.get(key)?.[0] ?? '(none)';
  const differences: SshOptionDifference[] = [];
  type Option = SshOptionDifference['option'];
  const compare = (option: Option, expected: string, actual: string, same = expected === actual) => {
    if (!same) differences.push({ option, expected, actual });
  };
  // ssh lower-cases host names.
  const hostName = opts.entry.hostName ?? opts.entry.alias;
  compare('HostName', hostName, first('hostname'), hostName.toLowerCase() === first('hostname').toLowerCase());
  if (opts.entry.user !== undefined) compare('User', opts.entry.user, first('user'));
  if (opts.entry.port !== undefined) compare('Port', String(opts.entry.port), first('port'));
  const identity = first('identityfile');
  const p = platform === 'win32' ? path.win32 : path.posix;
  compare(
    'IdentityFile',
    opts.entry.identityFile,
    identity,
    resolveIdentityArgument(identity, home, platform) === p.normalize(opts.entry.identityFile),
  );
  compare('IdentitiesOnly', 'yes', first('identitiesonly'));
  return differences.length === 0 ? { status: 'effective' } : { status: 'overridden', differences };
}
