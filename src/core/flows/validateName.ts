/**
 * The inline check of a key pair name as the user types: Nova's rule, names already taken
 * in the account, and local files already present. Pure and synchronous: it works on sets
 * loaded once when the input opens, so a keystroke costs no request and no file access.
 */
import { checkKeyPairName, describeKeyFileProblem, foldFileName, keyFileName, keyFileProblem } from '../keys/names';
import * as l10n from '../base/l10n';

/** Longest file name most file systems take (ext4, APFS, NTFS: 255). */
const MAX_FILE_NAME_BYTES = 255;

export interface NameContext {
  /** Microversion the API speaks (the rule widens at 2.92); undefined = legacy. */
  microversion?: string;
  /** Names of the account's key pairs; undefined while they are loading. */
  taken?: ReadonlySet<string>;
  /** The same names lower-cased, to warn about names differing only in case. */
  takenLower?: ReadonlySet<string>;
  /** Entries of the SSH folder (file names), read once. */
  files: ReadonlySet<string>;
  /** The SSH folder as shown to the user, e.g. `~/.ssh`; undefined when no file is saved (import). */
  directoryShown?: string;
}

export interface NameVerdict {
  severity: 'error' | 'warning' | 'info';
  message: string;
}

/** The verdict on `name`; errors block the name, warnings and infos do not. */
export function validateName(name: string, ctx: NameContext): NameVerdict {
  const problem = checkKeyPairName(name, ctx.microversion);
  if (problem) return { severity: 'error', message: problem.message };
  if (ctx.taken?.has(name)) {
    return { severity: 'error', message: l10n.t('A key pair named "{0}" already exists in this account.', name) };
  }
  let where = l10n.t('The public key is sent under this name; no file is written.');
  if (ctx.directoryShown !== undefined) {
    const file = keyFileName(name);
    const over = Buffer.byteLength(`${file}.pub`) - MAX_FILE_NAME_BYTES;
    if (over > 0) {
      return {
        severity: 'error',
        message:
          over === 1
            ? l10n.t(
                'The key file {0}.pub would be 1 byte too long for a file name (at most {1}). Use a shorter name.',
                file,
                MAX_FILE_NAME_BYTES,
              )
            : l10n.t(
                'The key file {0}.pub would be {1} bytes too long for a file name (at most {2}). Use a shorter name.',
                file,
                over,
                MAX_FILE_NAME_BYTES,
              ),
      };
    }
    const problem = keyFileProblem(file);
    if (problem) return { severity: 'error', message: describeKeyFileProblem(problem, ctx.directoryShown) };
    for (const f of [file, `${file}.pub`]) {
      const existing = ctx.files.has(f) ? f : findFolded(ctx.files, f);
      if (existing !== undefined) {
        return {
          severity: 'error',
          message:
            existing === f
              ? l10n.t(
                  '{0}/{1} already exists. Choose another name (existing files are never overwritten).',
                  ctx.directoryShown,
                  existing,
                )
              : l10n.t(
                  '{0}/{1} already exists ({1} and {2} are the same file on macOS and Windows). Choose another name (existing files are never overwritten).',
                  ctx.directoryShown,
                  existing,
                  f,
                ),
        };
      }
    }
    where = l10n.t('Saves {0}/{1} and {1}.pub.', ctx.directoryShown, file);
  }
  if (ctx.takenLower?.has(name.toLowerCase())) {
    return {
      severity: 'warning',
      message: l10n.t(
        'A key pair with this name in different case exists; some clouds treat names case-insensitively. {0}',
        where,
      ),
    };
  }
  return { severity: 'info', message: where };
}

/** The entry of `files` that is `file` on a file system ignoring case and trailing dots, if any. */
function findFolded(files: ReadonlySet<string>, file: string): string | undefined {
  const folded = foldFileName(file);
  for (const f of files) if (foldFileName(f) === folded) return f;
  return undefined;
}

/** Builds the sets `validateName` works on. */
export function nameSets(names: Iterable<string>): { taken: Set<string>; takenLower: Set<string> } {
  const taken = new Set(names);
  const takenLower = new Set([...taken].map((n) => n.toLowerCase()));
  return { taken, takenLower };
}
