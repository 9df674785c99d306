/**
 * Paths in an ssh_config: `~/` under the home folder ssh uses, an IdentityFile argument written
 * and read back in any of its spellings.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { configWord } from './words';

/** Node's path functions for `platform`: ssh on Windows takes `\\`, drive letters and any case. */
export function platformPath(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/**
 * The part of `file` under `home` with `/` separators (`.ssh/web`), or undefined when
 * `file` is not inside `home`. One rule for `~/` in the SSH config and on a command line.
 */
export function homeRelative(
  file: string,
  home: string,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const p = platformPath(platform);
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
  const p = platformPath(platform);
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
