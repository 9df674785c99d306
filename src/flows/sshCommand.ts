/**
 * The `ssh` command line offered after adding a host to the SSH config, and the checks of
 * what the user types for it. Pure; no `vscode` import.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export interface SshCommandOptions {
  /** The Host alias just added. */
  alias: string;
  /** HostName, when the user gave one. */
  hostName?: string;
  user?: string;
  /** The private key file. */
  identityFile: string;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * `ssh -i <file> <user>@<host>` when a HostName was given (works without the config
 * entry), else `ssh <alias>` (the entry supplies everything). The file is written as
 * `~/…` under the home folder and quoted for the shell when needed.
 */
export function sshCommand(o: SshCommandOptions): string {
  const platform = o.platform ?? process.platform;
  if (!o.hostName) return `ssh ${shellWord(o.alias, platform)}`;
  const target = o.user ? `${o.user}@${o.hostName}` : o.hostName;
  return `ssh -i ${identityArgument(o.identityFile, platform, o.home ?? os.homedir())} ${shellWord(target, platform)}`;
}

function identityArgument(file: string, platform: NodeJS.Platform, home: string): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const rel = home ? p.relative(home, file) : '';
  const underHome = rel !== '' && !rel.startsWith('..') && !p.isAbsolute(rel);
  if (underHome && platform !== 'win32') {
    // `~/` must stay outside quotes for the shell to expand it.
    return SAFE.test(rel) ? `~/${rel}` : `~/${shellWord(rel, platform)}`;
  }
  return shellWord(file, platform);
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes `word` for a POSIX shell ('…') or for cmd/PowerShell ("…") when it needs it. */
export function shellWord(word: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return SAFE.test(word.replace(/\\/g, '/')) ? word : `"${word}"`;
  return SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Why `value` can't be an ssh_config word (what addHostToSshConfig would refuse), or
 * undefined. An `alias` can't have the characters ssh_config uses for patterns either.
 */
export function checkConfigWord(label: string, value: string, kind: 'alias' | 'host' | 'user'): string | undefined {
  if (value === '') return `Enter a ${label}.`;
  if (/[\s\p{Cc}]/u.test(value)) return `The ${label} can't contain spaces.`;
  if (kind === 'alias' && /[#"*?!,]/.test(value)) return `The ${label} can't contain "#", quotes, "*", "?", "!" or ",".`;
  if (/[#"]/.test(value)) return `The ${label} can't contain "#" or quotes.`;
  return undefined;
}
