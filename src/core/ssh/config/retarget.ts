/**
 * What the config says about one key file, for Rotate and Delete: which entries use it, who
 * logs in with it where, and pointing its IdentityFile lines at a new key (only the argument
 * changes; every other byte stays).
 */
import * as path from 'node:path';
import { fromBytes, fromUtf8, parseConfig, toBytes, utf8 } from './parse';
import { identityFileWord, platformPath, resolveIdentityArgument, sshHome } from './paths';
import { checkConfigWord, isConfigSpace } from './words';

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
  const p = platformPath(platform);
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
