/**
 * Adding a host key the user accepted to their known_hosts, the way ssh itself would: the file
 * ssh's config names for that host (`UserKnownHostsFile`, first entry, from `ssh -G`), hashed
 * when `HashKnownHosts` is on. Pure core: no `vscode` import.
 */
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ensureDirectory } from './keyFiles';

/** What `ssh -G` says about known hosts for a host. */
export interface KnownHostsSettings {
  /** The first UserKnownHostsFile, `~` expanded with `home`. */
  file: string;
  hash: boolean;
}

/**
 * `ssh -G [configArgs] -- host`'s UserKnownHostsFile (first) and HashKnownHosts. `home` is the
 * passwd home ssh expands `~` with. Throws when ssh fails.
 */
export async function knownHostsSettings(opts: {
  host: string;
  configArgs?: readonly string[];
  home: string;
  sshPath?: string;
}): Promise<KnownHostsSettings> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      opts.sshPath ?? 'ssh',
      ['-G', ...(opts.configArgs ?? []), '--', opts.host],
      { timeout: 10_000, windowsHide: true, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
  let file = '~/.ssh/known_hosts';
  let hash = false;
  for (const line of out.split(/\r?\n/)) {
    const [keyword, first] = line.split(' ');
    if (keyword === 'userknownhostsfile' && first) file = first;
    if (keyword === 'hashknownhosts') hash = first === 'yes';
  }
  if (file === '~') file = opts.home;
  else if (file.startsWith('~/')) file = path.join(opts.home, file.slice(2));
  return { file, hash };
}

/** `name` as a hashed known_hosts host field (`|1|salt|hmac`), as `ssh-keygen -H` writes it. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

/**
 * Appends `lines` (known_hosts lines as ssh wrote them: `name type base64`) to `file`, each
 * host field hashed when `hash`. The file is created 0600 (its folder 0700) when missing;
 * an existing file only grows (O_APPEND), keeping its mode and every byte it had.
 */
export async function addKnownHosts(lines: readonly string[], settings: KnownHostsSettings): Promise<void> {
  if (lines.length === 0) return;
  const out = lines.map((line) => {
    const [name = '', ...rest] = line.trim().split(/[ \t]+/);
    if (!settings.hash || name.startsWith('|')) return `${name} ${rest.join(' ')}`;
    return name
      .split(',')
      .map((n) => `${hashHostName(n)} ${rest.join(' ')}`)
      .join('\n');
  });
  await ensureDirectory(path.dirname(settings.file));
  let prefix = '';
  try {
    const existing = await fs.readFile(settings.file);
    if (existing.length > 0 && existing[existing.length - 1] !== 0x0a) prefix = '\n';
  } catch {
    // missing: created below
  }
  const handle = await fs.open(settings.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
  try {
    await handle.writeFile(`${prefix}${out.join('\n')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
