/**
 * Nova key pair name rules (os-keypairs `name`), checked locally so the user gets a
 * specific message before any request is sent.
 *
 * Before microversion 2.92 a name is 1–255 characters of `[A-Za-z0-9 _-]`; from 2.92 on
 * `@` and `.` are allowed too. Nova also refuses leading or trailing whitespace.
 * On top of Nova's rules a name made only of dots (".", "..") is refused, because the
 * name is also the local file name of the key (see {@link keyFileName}).
 */
import { compareVersions } from '../base/microversion';
import * as l10n from '../base/l10n';

/** Why a name is not acceptable; `position` is 1-based, in code points, when a character is at fault. */
export interface NameProblem {
  message: string;
  position?: number;
}

/** Longest name Nova accepts. */
export const MAX_KEY_PAIR_NAME_LENGTH = 255;

const LEGACY_CHARS = /^[A-Za-z0-9 _-]$/;
const EXTENDED_CHARS = /^[A-Za-z0-9 _@.-]$/;

/**
 * Returns the first problem with `name`, or `undefined` if Nova will accept it.
 * `microversion` is the compute API microversion in use (`'2.1'`, `'2.92'`, `'latest'`);
 * `undefined` or anything unrecognised applies the stricter legacy rule.
 *
 * Checks run in this order, and only the first failure is reported:
 * empty → only whitespace → leading whitespace → trailing whitespace →
 * disallowed character (the first one) → too long → only dots.
 */
export function checkKeyPairName(name: string, microversion?: string): NameProblem | undefined {
  if (name.length === 0) return { message: l10n.t('Enter a name.') };
  if (name.trim().length === 0) return { message: l10n.t("The name can't be only spaces.") };

  const chars = Array.from(name);
  const first = chars[0] ?? '';
  if (/\s/.test(first)) {
    return { message: l10n.t("The name can't start with {0}.", describeChar(first)), position: 1 };
  }
  const last = chars.at(-1) ?? '';
  if (/\s/.test(last)) {
    return { message: l10n.t("The name can't end with {0}.", describeChar(last)), position: chars.length };
  }

  const extended = allowsExtendedNames(microversion);
  const allowed = extended ? EXTENDED_CHARS : LEGACY_CHARS;
  const bad = chars.findIndex((c) => !allowed.test(c));
  const badChar = chars[bad];
  if (badChar !== undefined) {
    const what = describeChar(badChar);
    const capitalised = `${what.charAt(0).toUpperCase()}${what.slice(1)}`;
    return {
      message: extended
        ? l10n.t(
            '{0} at position {1} is not allowed. Use letters, digits, spaces, "-", "_", "@" and ".".',
            capitalised,
            bad + 1,
          )
        : l10n.t('{0} at position {1} is not allowed. Use letters, digits, spaces, "-" and "_".', capitalised, bad + 1),
      position: bad + 1,
    };
  }

  if (chars.length > MAX_KEY_PAIR_NAME_LENGTH) {
    const over = chars.length - MAX_KEY_PAIR_NAME_LENGTH;
    return {
      message:
        over === 1
          ? l10n.t('The name is 1 character too long ({0} of at most {1}).', chars.length, MAX_KEY_PAIR_NAME_LENGTH)
          : l10n.t(
              'The name is {0} characters too long ({1} of at most {2}).',
              over,
              chars.length,
              MAX_KEY_PAIR_NAME_LENGTH,
            ),
    };
  }

  if (/^\.+$/.test(name)) {
    return {
      message: l10n.t('"{0}" can\'t be used as a name because it can\'t be a file name. Add a letter or digit.', name),
    };
  }
  return undefined;
}

/**
 * Local file base name for a key pair: the name with every space replaced by `_`.
 * The private key is saved as `<dir>/<file>` and the public key as `<dir>/<file>.pub`.
 *
 * For every name {@link checkKeyPairName} accepts, the result is a plain file name
 * (no `/`, `\`, NUL, not `.` or `..`). Other inputs that would escape the directory
 * throw, as a last line of defence; names that merely differ (`a b`, `a_b`) may map to
 * the same file, which saving detects because it never overwrites.
 */
export function keyFileName(name: string): string {
  const file = name.replace(/ /g, '_');
  if (!isPlainFileName(file)) throw new Error(`"${name}" can't be used as a file name.`);
  return file;
}

/**
 * Files of the SSH folder that OpenSSH's client or sshd read by name, with what they are
 * for. A key saved under one of these names would break ssh or change who may log in.
 */
const OPENSSH_FILES: ReadonlyMap<string, () => string> = new Map([
  ['config', () => l10n.t('saving a key there would break ssh')],
  ['authorized_keys', () => l10n.t('sshd reads it to decide who may log in to this account')],
  ['authorized_keys2', () => l10n.t('sshd reads it to decide who may log in to this account')],
  ['known_hosts', () => l10n.t("ssh checks servers' host keys against it")],
  ['known_hosts2', () => l10n.t("ssh checks servers' host keys against it")],
  ['known_hosts.old', () => l10n.t('ssh-keygen keeps the previous known_hosts there')],
  ['rc', () => l10n.t('sshd runs it at every login')],
  ['environment', () => l10n.t('sshd reads it at every login')],
  ['agent.sock', () => l10n.t("it is the usual place of the ssh agent's socket")],
]);

/** Windows device names: a "file" named so (with any extension) is the device, so nothing is saved. */
const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/;

/**
 * How a file name looks to a file system that ignores case and drops trailing dots and
 * spaces (macOS, Windows): `Config.` and `config` are one file there.
 */
export function foldFileName(file: string): string {
  return file.replace(/[. ]+$/, '').toLowerCase();
}

/** Why a file name may not hold a key, from {@link keyFileProblem}. */
export type KeyFileProblem =
  | { kind: 'openssh-file'; file: string; purpose: string }
  | { kind: 'pub-suffix'; file: string }
  | { kind: 'windows-device'; file: string };

/**
 * Why the key files `<fileBase>` and `<fileBase>.pub` must not be written, or undefined:
 * either would be a file OpenSSH or sshd reads by name (`config`, `authorized_keys`, `rc`…),
 * the private key would end in `.pub` (ssh takes `<x>.pub` for the public key of `<x>`, so
 * `a.pub` would pass for the public key of a key `a`), or the name is a Windows device.
 * Compared as case-insensitive file systems do (see {@link foldFileName}).
 */
export function keyFileProblem(fileBase: string): KeyFileProblem | undefined {
  for (const file of [fileBase, `${fileBase}.pub`]) {
    const purpose = OPENSSH_FILES.get(foldFileName(file));
    if (purpose !== undefined) return { kind: 'openssh-file', file, purpose: purpose() };
  }
  if (foldFileName(fileBase).endsWith('.pub')) return { kind: 'pub-suffix', file: fileBase };
  const stem = foldFileName(fileBase).split('.')[0] ?? '';
  if (WINDOWS_DEVICES.test(stem)) return { kind: 'windows-device', file: fileBase };
  return undefined;
}

/** The sentence for a {@link KeyFileProblem}; `directoryShown` is the SSH folder as shown, e.g. `~/.ssh`. */
export function describeKeyFileProblem(problem: KeyFileProblem, directoryShown: string): string {
  const { file } = problem;
  switch (problem.kind) {
    case 'openssh-file':
      return l10n.t(
        "{0} is OpenSSH's own file ({1}/{0}): {2}. Choose another name.",
        file,
        directoryShown,
        problem.purpose,
      );
    case 'pub-suffix':
      return l10n.t(
        'The private key file {0} would end in ".pub": ssh would take it for a public key (the public key of {1}). Choose a name that does not end in ".pub".',
        file,
        file.replace(/[. ]+$/, '').slice(0, -4),
      );
    case 'windows-device':
      return l10n.t(
        '{0} is a device name on Windows: the key would not be saved as a file there. Choose another name.',
        file,
      );
  }
}

/** True if `file` names an entry directly inside a directory: not empty, `.` or `..`, no `/`, `\` or NUL. */
export function isPlainFileName(file: string): boolean {
  return file !== '' && file !== '.' && file !== '..' && !/[/\\\0]/.test(file);
}

/** The microversion from which Nova allows "@" and "." in names (and stops generating keys). */
export const EXTENDED_NAMES_MICROVERSION = '2.92';

function allowsExtendedNames(microversion: string | undefined): boolean {
  if (microversion === 'latest') return true;
  if (microversion === undefined || !/^\d+\.\d+$/.test(microversion)) return false;
  return compareVersions(microversion, EXTENDED_NAMES_MICROVERSION) >= 0;
}

/** The characters that have a name, in the words of the current language (`code` is `U+0009`). */
const CHAR_NAMES: Record<string, (code: string) => string> = {
  ' ': () => l10n.t('a space'),
  '\t': (code) => l10n.t('a tab ({0})', code),
  '\n': (code) => l10n.t('a line break ({0})', code),
  '\r': (code) => l10n.t('a carriage return ({0})', code),
  '\u00a0': (code) => l10n.t('a non-breaking space ({0})', code),
};

/** The name of a character that has one. */
function charName(c: string, code: string): string | undefined {
  return Object.hasOwn(CHAR_NAMES, c) ? CHAR_NAMES[c]!(code) : undefined;
}

/** Readable name of one character (a code point), starting lowercase: `"/"`, `a tab (U+0009)`, `"é" (U+00E9)`. */
function describeChar(c: string): string {
  const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const named = charName(c, code);
  if (named !== undefined) return named;
  if (/\s/u.test(c)) return l10n.t('a space character ({0})', code);
  if (/\p{Cc}/u.test(c)) return l10n.t('control character {0}', code);
  if (/[\p{Cf}\p{Z}\p{M}\p{Co}\p{Cn}\p{Cs}]/u.test(c)) return l10n.t('invisible character {0}', code);
  if (c.codePointAt(0)! < 0x80) return `"${c}"`;
  return `"${c}" (${code})`;
}
