/**
 * Guesses the user to log in as from an image's properties. The Compute API does not say; images
 * may carry `os_admin_user` and `os_distro` (Glance), Rackspace's `org.openstack__1__os_distro`, or
 * just a name. The guess comes with its reason so the UI can show it and let the user change it.
 * No `vscode` import.
 */
import * as l10n from '../base/l10n';

/** What is known of a server's image (all optional: the server may not tell). */
export interface ImageHints {
  id?: string;
  name?: string;
  /** Glance `os_distro`. */
  osDistro?: string;
  /** Glance `os_admin_user`. */
  osAdminUser?: string;
  /** Rackspace's `org.openstack__1__os_distro` (e.g. `org.ubuntu`, `com.redhat`). */
  rackspaceDistro?: string;
}

export type LoginUserSource = 'os_admin_user' | 'rackspace' | 'os_distro' | 'image-name';

export interface LoginUserGuess {
  user: string;
  source: LoginUserSource;
  /** For the UI, e.g. "from the image's os_distro: ubuntu". */
  reason: string;
}

export interface GuessOptions {
  /** The server is on Rackspace (its images log in as root even without image hints). */
  rackspace?: boolean;
}

/** Distro key → the default user of its cloud images (as the distros document them). */
export const DISTRO_USERS: Readonly<Record<string, string>> = {
  ubuntu: 'ubuntu',
  debian: 'debian',
  centos: 'centos',
  rhel: 'cloud-user',
  rocky: 'rocky',
  almalinux: 'almalinux',
  fedora: 'fedora',
  opensuse: 'opensuse',
};

/** Spellings of distros in `os_distro`, Rackspace's reverse-domain ids and image names. */
const DISTRO_ALIASES: ReadonlyArray<[RegExp, string]> = [
  [/^ubuntu$/, 'ubuntu'],
  [/^debian$/, 'debian'],
  [/^centos(?:[-_ ]?stream)?$/, 'centos'],
  [/^(?:rhel|redhat|red[-_ ]?hat)$/, 'rhel'],
  [/^rocky(?:[-_ ]?linux)?$/, 'rocky'],
  [/^(?:almalinux|alma)$/, 'almalinux'],
  [/^fedora(?:project)?$/, 'fedora'],
  [/^(?:opensuse|opensuse[-_ ]?leap|opensuse[-_ ]?tumbleweed)$/, 'opensuse'],
];

/** Patterns found in image names ("Ubuntu 22.04 LTS", "CentOS-Stream-9", "Red Hat Enterprise Linux 9"). */
const NAME_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(?:^|[^a-z])ubuntu(?:[^a-z]|$)/, 'ubuntu'],
  [/(?:^|[^a-z])debian(?:[^a-z]|$)/, 'debian'],
  [/(?:^|[^a-z])centos(?:[^a-z]|$)/, 'centos'],
  [/(?:^|[^a-z])(?:rhel|red ?hat)(?:[^a-z]|$)/, 'rhel'],
  [/(?:^|[^a-z])rocky(?:[^a-z]|$)/, 'rocky'],
  [/(?:^|[^a-z])alma(?:linux)?(?:[^a-z]|$)/, 'almalinux'],
  [/(?:^|[^a-z])fedora(?:[^a-z]|$)/, 'fedora'],
  [/(?:^|[^a-z])opensuse(?:[^a-z]|$)/, 'opensuse'],
];

/** A login name ssh and a `User` line can carry: POSIX-like, no spaces, quotes or control characters. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

export function isPlausibleUserName(name: string): boolean {
  return USER_NAME.test(name);
}

/** Shows a server-supplied value in a reason: printable, bounded. */
function shown(value: string): string {
  const clean = value.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ').trim();
  return clean.length > 60 ? clean.slice(0, 59) + '…' : clean;
}

/** `os_distro`-style value → distro key, or undefined. Accepts `org.ubuntu`, `com.redhat`. */
export function distroFromId(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let v = value.trim().toLowerCase();
  const rev = /^(?:org|com|io|net)\.([a-z0-9_-]+)$/.exec(v);
  if (rev?.[1]) v = rev[1];
  for (const [re, key] of DISTRO_ALIASES) if (re.test(v)) return key;
  return undefined;
}

/** The one distro an image name names, or undefined when it names none or several. */
export function distroFromName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const n = name.toLowerCase().slice(0, 255);
  const hits = new Set<string>();
  for (const [re, key] of NAME_PATTERNS) if (re.test(n)) hits.add(key);
  return hits.size === 1 ? [...hits][0] : undefined;
}

/**
 * The login user: `os_admin_user` when set (and a plausible user name); else `root` on Rackspace;
 * else the default user of the distro named by `os_distro`, else by the image name. Undefined when
 * nothing is known (the UI asks).
 */
export function guessLoginUser(hints: ImageHints | undefined, options: GuessOptions = {}): LoginUserGuess | undefined {
  const admin = hints?.osAdminUser?.trim();
  if (admin && isPlausibleUserName(admin)) {
    return { user: admin, source: 'os_admin_user', reason: l10n.t("from the image's os_admin_user: {0}", admin) };
  }
  if (options.rackspace || hints?.rackspaceDistro) {
    const why = hints?.rackspaceDistro
      ? l10n.t(
          "Rackspace images log in as root (image's org.openstack__1__os_distro: {0})",
          shown(hints.rackspaceDistro),
        )
      : l10n.t('Rackspace images log in as root');
    return { user: 'root', source: 'rackspace', reason: why };
  }
  const fromId = distroFromId(hints?.osDistro);
  const idUser = fromId === undefined ? undefined : DISTRO_USERS[fromId];
  if (fromId && idUser) {
    const user = idUser;
    return {
      user,
      source: 'os_distro',
      reason: l10n.t("from the image's os_distro: {0}", shown(hints?.osDistro ?? fromId)),
    };
  }
  const fromName = distroFromName(hints?.name);
  const nameUser = fromName === undefined ? undefined : DISTRO_USERS[fromName];
  if (nameUser) {
    const user = nameUser;
    return { user, source: 'image-name', reason: l10n.t('from the image name: {0}', shown(hints?.name ?? '')) };
  }
  return undefined;
}
