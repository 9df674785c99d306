/**
 * Adding a `Host` entry for a new key to the user's OpenSSH client config, without
 * touching anything already in it.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureDirectory, saveFileExclusive, toKeyFileError } from './keyFiles';

/**
 * Appends to `configPath` (e.g. `~/.ssh/config`, already expanded):
 *
 * ```
 * Host <alias>
 *   HostName <hostName>        (if given)
 *   User <user>                (if given)
 *   IdentityFile <identityFile>
 *   IdentitiesOnly yes
 * ```
 *
 * The existing bytes are kept exactly; the block is separated by a blank line and uses
 * the file's line ending (CRLF if its first line ends so). `identityFile` is written as
 * `~/…` when it is under the home folder, with `/` separators on Windows, `%` escaped,
 * and quoted if it contains spaces.
 *
 * If a `Host` line (or a `Match host`/`originalhost` criterion) already names `alias`
 * exactly (case-sensitive; patterns and `!` negations don't count; `Include`d files are
 * not read), nothing is written and `{ added: false, reason: 'exists' }` is returned.
 *
 * The file is replaced through a temp file and rename in its directory, keeping its mode;
 * a symlinked config is updated at its real location. A missing file is created with
 * mode 0600 (its directory 0700). Throws an Error for an invalid alias, hostName, user or
 * identityFile, and a KeyFileError when the file can't be read or written.
 */
export async function addHostToSshConfig(opts: {
  configPath: string;
  alias: string;
  hostName?: string;
  user?: string;
  identityFile: string;
}): Promise<{ added: boolean; reason?: 'exists' }> {
  checkWord('host alias', opts.alias, /[#"*?!,]/, '"#", quotes, "*", "?", "!" or ","');
  if (opts.hostName !== undefined) checkWord('host name', opts.hostName, /[#"]/, '"#" or quotes');
  if (opts.user !== undefined) checkWord('user name', opts.user, /[#"]/, '"#" or quotes');
  const identity = configPathValue(opts.identityFile);

  const configPath = path.resolve(opts.configPath);
  const existing = await readIfExists(configPath);
  const target = existing ? existing.realPath : configPath;
  const before = existing?.content ?? Buffer.alloc(0);
  const text = before.toString('utf8');
  if (namesHost(text, opts.alias)) return { added: false, reason: 'exists' };

  const firstNewline = text.indexOf('\n');
  const eol = firstNewline > 0 && text[firstNewline - 1] === '\r' ? '\r\n' : '\n';
  let separator = '';
  if (text !== '') {
    if (!text.endsWith('\n')) separator += eol;
    if (!/\n[ \t\r]*\n$/.test(text + separator)) separator += eol;
  }
  const lines = [
    `Host ${opts.alias}`,
    ...(opts.hostName !== undefined ? [`  HostName ${opts.hostName}`] : []),
    ...(opts.user !== undefined ? [`  User ${opts.user}`] : []),
    `  IdentityFile ${identity}`,
    '  IdentitiesOnly yes',
  ];
  const content = Buffer.concat([before, Buffer.from(separator + lines.join(eol) + eol, 'utf8')]);

  if (existing) {
    await saveFileExclusive(target, content, existing.mode, { overwrite: true });
  } else {
    await ensureDirectory(path.dirname(target));
    await saveFileExclusive(target, content, 0o600);
  }
  return { added: true };
}

async function readIfExists(file: string): Promise<{ realPath: string; content: Buffer; mode: number } | undefined> {
  try {
    const realPath = await fs.realpath(file);
    const [content, stat] = await Promise.all([fs.readFile(realPath), fs.stat(realPath)]);
    return { realPath, content, mode: stat.mode & 0o7777 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw toKeyFileError(err, file);
  }
}

function checkWord(label: string, value: string, forbidden: RegExp, forbiddenText: string): void {
  if (value === '') throw new Error(`The ${label} is empty.`);
  if (/[\s\p{Cc}]/u.test(value)) throw new Error(`The ${label} can't contain spaces or line breaks.`);
  if (forbidden.test(value)) throw new Error(`The ${label} can't contain ${forbiddenText}.`);
}

/** `file` as an ssh_config argument (see {@link addHostToSshConfig}). */
function configPathValue(file: string): string {
  if (file === '' || /[\p{Cc}"]/u.test(file)) {
    throw new Error('The identity file path is empty or contains quotes or control characters.');
  }
  const home = os.homedir();
  const relative = path.relative(home, file);
  let value = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? `~/${relative}` : file;
  if (process.platform === 'win32') value = value.replace(/\\/g, '/');
  else if (value.includes('\\')) throw new Error('The identity file path can\'t contain "\\".');
  value = value.replace(/%/g, '%%');
  return /\s/.test(value) ? `"${value}"` : value;
}

/** True if a `Host` line or a `Match host`/`originalhost` criterion in `config` names `alias` exactly. */
function namesHost(config: string, alias: string): boolean {
  for (const rawLine of config.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const match = /^\s*([A-Za-z]+)(?:\s*=\s*|\s+)(.*)$/.exec(rawLine);
    if (!match) continue;
    const keyword = match[1].toLowerCase();
    const args = configArgs(match[2]);
    if (keyword === 'host' && args.includes(alias)) return true;
    if (keyword === 'match') {
      for (let i = 0; i + 1 < args.length; i++) {
        const criterion = args[i].toLowerCase();
        if ((criterion === 'host' || criterion === 'originalhost') && args[i + 1].split(',').includes(alias)) return true;
      }
    }
  }
  return false;
}

/** Splits ssh_config arguments: whitespace-separated, `"…"` quoting, a `#` word starts a comment. */
function configArgs(rest: string): string[] {
  const args: string[] = [];
  for (const [, quoted, bare] of rest.matchAll(/"([^"]*)"|(\S+)/g)) {
    if (bare?.startsWith('#')) break;
    args.push(quoted ?? bare);
  }
  return args;
}
