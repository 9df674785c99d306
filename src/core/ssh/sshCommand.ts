/**
 * The `ssh` command line offered after adding a host to the SSH config, and the checks of
 * what the user types for it. Pure; no `vscode` import.
 */
import * as os from 'node:os';
import { homeRelative } from './config/paths';

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
export function sshCommand(options: SshCommandOptions): string {
  const platform = options.platform ?? process.platform;
  if (!options.hostName) return `ssh ${shellWord(options.alias, platform)}`;
  const target = options.user ? `${options.user}@${options.hostName}` : options.hostName;
  const identity = identityArgument(options.identityFile, platform, options.home ?? os.homedir());
  return `ssh -i ${identity} ${shellWord(target, platform)}`;
}

function identityArgument(file: string, platform: NodeJS.Platform, home: string): string {
  const rel = platform === 'win32' ? undefined : homeRelative(file, home, platform);
  // `~/` must stay outside quotes for the shell to expand it.
  if (rel !== undefined) return SAFE.test(rel) ? `~/${rel}` : `~/${shellWord(rel, platform)}`;
  return shellWord(file, platform);
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes `word` for a POSIX shell ('…') or for cmd/PowerShell ("…") when it needs it. */
export function shellWord(word: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return SAFE.test(word.replace(/\\/g, '/')) ? word : `"${word}"`;
  return SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The ssh_config word rules live with the config writer; re-exported for the input boxes. */
export { checkConfigWord, suggestAlias } from './config/words';
