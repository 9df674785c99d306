/**
 * Every file ssh reads for a user config: the main file and what its `Include` lines pull in,
 * in the order ssh reads them. Pure core (no `vscode` import); only reads.
 *
 * `Include` as OpenSSH's readconf.c treats it in a user config (the default `~/.ssh/config`
 * and a file given with `-F` alike):
 *  - each argument is a path or a glob (`*`, `?`, `[…]`); `~/` is the home folder; a relative
 *    path is under `~/.ssh/` (not the including file's folder);
 *  - the matches of one argument are read in sorted order, at the Include line (so an entry in
 *    an included file can win over a later one in the main file);
 *  - an Include inside a `Host`/`Match` block only applies when that block does: it is read
 *    here all the same (what it holds could apply), and `conditional` says so;
 *  - at most 16 levels deep; a file that includes itself is read once.
 * A missing file is no problem (ssh skips it too); one that cannot be read is listed.
 */
import { promises as fs, realpathSync } from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { ConfigBlock, configBlocks } from './parse';
import { sshHome } from './paths';

/** One file of the tree. */
export interface ConfigSource {
  /** The path read (a symlink resolved to its target). */
  path: string;
  /** The file's bytes as a latin1 string (as the pure functions of ./parse.ts take them). */
  text: string;
  mode: number;
  /** The Include line that pulled it in; absent for the main file. */
  includedFrom?: { path: string; line: number; conditional: boolean };
}

export interface ConfigTree {
  /** The main file as given (resolved to an absolute path). */
  main: string;
  sources: ConfigSource[];
  /** Files that exist but could not be read, and Include arguments that could not be followed. */
  problems: Array<{ path: string; message: string }>;
}

const MAX_DEPTH = 16;
const MAX_FILES = 256;

/**
 * Reads `mainPath` and everything it includes (see the file comment). A missing main file
 * gives an empty tree. `home` is ssh's home (the password database entry).
 */
export async function readConfigTree(mainPath: string, options: { home?: string } = {}): Promise<ConfigTree> {
  const home = options.home ?? sshHome();
  const main = path.resolve(mainPath);
  const tree: ConfigTree = { main, sources: [], problems: [] };
  const seen = new Set<string>();

  /** The files being read, outermost first: a file that includes one of them is a loop, which ssh refuses. */
  const chain: string[] = [];

  async function visit(file: string, depth: number, from?: ConfigSource['includedFrom']): Promise<void> {
    if (tree.sources.length >= MAX_FILES) return;
    let real: string;
    try {
      real = await fs.realpath(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') tree.problems.push({ path: file, message: errorText(err) });
      return;
    }
    if (chain.includes(real)) {
      const at = from ? `${from.path}, line ${from.line}` : real;
      tree.problems.push({ path: real, message: `Include loop (${at}): ssh refuses a config that includes itself` });
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    let text: string;
    let mode: number;
    try {
      const stat = await fs.stat(real);
      if (stat.isDirectory()) return; // a glob may match a folder; ssh reads nothing from it
      if (!stat.isFile()) {
        tree.problems.push({ path: real, message: 'not a regular file' });
        return;
      }
      mode = stat.mode & 0o7777;
      text = (await fs.readFile(real)).toString('latin1');
    } catch (err) {
      tree.problems.push({ path: real, message: errorText(err) });
      return;
    }
    const source: ConfigSource = { path: real, text, mode, ...(from ? { includedFrom: from } : {}) };
    tree.sources.push(source);
    chain.push(real);
    for (const block of configBlocks(text)) {
      for (const option of block.options) {
        if (option.keyword !== 'include') continue;
        if (depth + 1 > MAX_DEPTH) {
          tree.problems.push({
            path: real,
            message: `Include nested more than ${MAX_DEPTH} levels (line ${option.line})`,
          });
          continue;
        }
        for (const arg of option.args) {
          const pattern = includePath(Buffer.from(arg, 'latin1').toString('utf8'), home);
          for (const match of await expandGlob(pattern)) {
            await visit(match, depth + 1, { path: real, line: option.line, conditional: block.kind !== 'preamble' });
          }
        }
      }
    }
    chain.pop();
  }

  await visit(main, 0);
  return tree;
}

/** A block of one file of the tree. */
export interface TreeBlock {
  source: ConfigSource;
  block: ConfigBlock;
}

/**
 * Every block of the tree in the order ssh reads them: a file's blocks up to an Include,
 * then the included files' blocks, then the rest (first match wins in ssh, so the first
 * block here that sets an option for a host is the one that counts).
 */
export function blocksInReadOrder(tree: ConfigTree): TreeBlock[] {
  const children = new Map<string, ConfigSource[]>();
  for (const source of tree.sources) {
    if (!source.includedFrom) continue;
    const key = `${source.includedFrom.line}\0${source.includedFrom.path}`;
    children.set(key, [...(children.get(key) ?? []), source]);
  }
  const out: TreeBlock[] = [];
  const emit = (source: ConfigSource) => {
    for (const block of configBlocks(source.text)) {
      out.push({ source, block });
      for (const option of block.options) {
        if (option.keyword !== 'include') continue;
        for (const child of children.get(`${option.line}\0${source.path}`) ?? []) emit(child);
      }
    }
  };
  const main = tree.sources.find((s) => !s.includedFrom);
  if (main) emit(main);
  return out;
}

/** An Include argument as a path pattern: `~` is the home folder, a relative one is under `~/.ssh`. */
export function includePath(arg: string, home: string): string {
  if (arg === '~') return home;
  if (arg.startsWith('~/')) return path.join(home, arg.slice(2));
  if (path.isAbsolute(arg)) return arg;
  return path.join(home, '.ssh', arg);
}

/** The existing paths matching `pattern` (glob(3): `*`, `?`, `[…]`; `*` skips dot files), sorted. */
export async function expandGlob(pattern: string): Promise<string[]> {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const parts = pattern.split('/');
  let bases: string[] = [parts[0] === '' ? '/' : (parts[0] ?? '')];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?[]/.test(part)) {
        next.push(path.join(base, part));
        continue;
      }
      let names: string[];
      try {
        names = await fs.readdir(base);
      } catch {
        continue;
      }
      const re = globRegExp(part);
      for (const name of names.sort()) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (re.test(name)) next.push(path.join(base, name));
      }
    }
    bases = next;
  }
  return bases.sort();
}

function globRegExp(part: string): RegExp {
  let source = '';
  for (let i = 0; i < part.length; i++) {
    const c = part.charAt(i);
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) {
        source += '\\[';
        continue;
      }
      let set = part.slice(i + 1, end);
      if (set.startsWith('!')) set = `^${set.slice(1)}`;
      source += `[${set.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? (err instanceof Error ? err.message : String(err));
}

/** The one SSH config every command reads and writes (see {@link chooseSshConfigTarget}). */
export interface SshConfigTarget {
  path: string;
  /** True for `<home>/.ssh/config`: ssh reads it (and /etc/ssh/ssh_config) without `-F`. */
  isDefault: boolean;
  /** A `remote.SSH.configFile` value that was not used, and why. */
  ignored?: { value: string; reason: 'workspace-value' | 'inside-workspace' | 'not-absolute' | 'remote-window' };
}

/**
 * Where ssh and Remote-SSH read their config: `remote.SSH.configFile` when the user set it
 * in their own settings, else `<home>/.ssh/config`. A value that a workspace or folder set
 * is never used (a cloned repository must not choose a file whose `Match exec` and
 * `ProxyCommand` ssh runs), nor a path inside an open workspace folder, nor the setting in a
 * remote window (it names a file on the local machine, not on the workspace host).
 */
export function chooseSshConfigTarget(input: {
  /** The setting's user (global) value. */
  userValue?: string;
  /** A workspace or folder value, if any (only reported as ignored). */
  workspaceValue?: string;
  /** The open workspace folders (file system paths). */
  workspaceFolders: readonly string[];
  /** True in a remote window (the setting is the local machine's). */
  remote: boolean;
  home: string;
}): SshConfigTarget {
  const fallback = path.join(input.home, '.ssh', 'config');
  const user = (input.userValue ?? '').trim();
  const expand = (value: string) =>
    value === '~' ? input.home : value.startsWith('~/') ? path.join(input.home, value.slice(2)) : value;
  const ignoredWorkspace = (input.workspaceValue ?? '').trim();
  const base: SshConfigTarget = { path: fallback, isDefault: true };
  if (ignoredWorkspace !== '' && ignoredWorkspace !== user) {
    base.ignored = { value: ignoredWorkspace, reason: 'workspace-value' };
  }
  if (user === '') return base;
  if (input.remote) return { ...base, ignored: { value: user, reason: 'remote-window' } };
  // Remote-SSH wants an absolute path; a relative one (or `${workspaceFolder}/…`, which no
  // one expands) would be read from wherever the extension host was started.
  if (!path.isAbsolute(expand(user))) return { ...base, ignored: { value: user, reason: 'not-absolute' } };
  const chosen = path.resolve(expand(user));
  // As written and with symlinks resolved (a link from the user's path into an open folder, a
  // folder opened through a link), without case where the file system usually ignores it.
  const fold = process.platform === 'darwin' || process.platform === 'win32';
  const spellings = (p: string) => [...new Set([p, realPath(p)])].map((s) => (fold ? s.toLowerCase() : s));
  const inside = input.workspaceFolders.some((folder) =>
    spellings(path.resolve(folder)).some((f) =>
      spellings(chosen).some((c) => {
        const rel = path.relative(f, c);
        return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
      }),
    ),
  );
  if (inside) return { ...base, ignored: { value: user, reason: 'inside-workspace' } };
  return { path: chosen, isDefault: chosen === path.resolve(fallback) };
}

/** `file` with every symlink resolved, as far as it exists (the rest as written). */
function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    const parent = path.dirname(file);
    return parent === file ? file : path.join(realPath(parent), path.basename(file));
  }
}

/** The ssh arguments that select `target`: none for the default file (so /etc/ssh/ssh_config applies too). */
export function sshConfigArgs(target: SshConfigTarget): string[] {
  return target.isDefault ? [] : ['-F', target.path];
}

/**
 * `args` (the ssh arguments that select `file`) as ssh can use them now: `-F <file>` of a file
 * not written yet (remote.SSH.configFile naming a new file) makes ssh refuse the whole call
 * ("Can't open user config file"); an empty config is what it means, so `-F` gets the null device.
 */
export async function configArgsNow(file: string, args: readonly string[]): Promise<string[]> {
  const at = args.indexOf('-F');
  if (at < 0 || args[at + 1] !== file) return [...args];
  const missing = await fs.stat(file).then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT' || err.code === 'ENOTDIR',
  );
  return missing ? args.map((a, i) => (i === at + 1 ? os.devNull : a)) : [...args];
}
