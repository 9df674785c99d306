/**
 * The user's own keys in the SSH folder: the `*.pub` files there, and which key pairs of
 * the account have their private key here (matched by MD5 fingerprint, as Nova reports
 * it, so a key pair is found whatever its file is called). One `readdir` and one small
 * read per `.pub` file; nothing is parsed that is not a `.pub` file. No `vscode` import.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { md5Fingerprint } from './fingerprint';
import { checkKeyPairName } from './names';
import { parsePublicKey, PublicKeyError, PublicKeyInfo } from './publicKey';
import * as l10n from '../base/l10n';

/** A public key file is a line of at most a few KB; anything much bigger is not one. */
export const MAX_PUBLIC_KEY_FILE_BYTES = 64 * 1024;

/** One `*.pub` file of the SSH folder. */
export interface PublicKeyFile {
  /** File name, e.g. `id_ed25519.pub`. */
  file: string;
  /** Full path of the `.pub` file. */
  publicPath: string;
  /** Full path of the private key (the same name without `.pub`) when that file exists. */
  privatePath?: string;
  /** The parsed key; absent when the file is not a usable public key (see `error`). */
  key?: PublicKeyInfo;
  /** MD5 fingerprint (`aa:bb:…`, lowercase) of `key`. */
  fingerprint?: string;
  /** Why the file is not usable, for the user. */
  error?: string;
}

/** A key pair's private key found here: a `.pub` file with that fingerprint and its private key next to it. */
export interface LocalKey {
  publicPath: string;
  privatePath: string;
  fingerprint: string;
}

/**
 * The `*.pub` files directly in `dir`, sorted by name, each parsed (invalid ones carry
 * `error`). A missing or unreadable folder has none. Symlinks are followed.
 */
export async function listPublicKeyFiles(dir: string): Promise<PublicKeyFile[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const fileLike = (e: import('node:fs').Dirent) => e.isFile() || e.isSymbolicLink();
  const present = new Set(entries.filter(fileLike).map((e) => e.name));
  const pubs = entries.filter((e) => fileLike(e) && e.name.endsWith('.pub') && e.name.length > 4).map((e) => e.name);
  pubs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    pubs.map(async (file): Promise<PublicKeyFile> => {
      const publicPath = path.join(dir, file);
      const base = file.slice(0, -4);
      const entry: PublicKeyFile = {
        file,
        publicPath,
        privatePath: present.has(base) ? path.join(dir, base) : undefined,
      };
      try {
        const key = parsePublicKey(await readPublicKeyFile(publicPath));
        return { ...entry, key, fingerprint: md5Fingerprint(key.blob) };
      } catch (err) {
        return { ...entry, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

/**
 * Index of the private keys in `dir` by the MD5 fingerprint of their public key: every
 * valid `<name>.pub` whose `<name>` exists. The first file (by name) wins a fingerprint
 * shared by several.
 */
export async function localKeyIndex(dir: string): Promise<Map<string, LocalKey>> {
  const index = new Map<string, LocalKey>();
  for (const f of await listPublicKeyFiles(dir)) {
    if (!f.fingerprint || !f.privatePath || index.has(f.fingerprint)) continue;
    index.set(f.fingerprint, { publicPath: f.publicPath, privatePath: f.privatePath, fingerprint: f.fingerprint });
  }
  return index;
}

/** The local key of a key pair whose server fingerprint is `fingerprint`, if any. */
export function findLocalKey(index: ReadonlyMap<string, LocalKey>, fingerprint: string): LocalKey | undefined {
  return index.get(fingerprint.trim().toLowerCase());
}

/**
 * Reads a public key file as text, refusing anything too large to be one (a private key
 * chosen by mistake is small too: parsePublicKey recognises and refuses it).
 */
export async function readPublicKeyFile(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new PublicKeyError(l10n.t('{0} is not a file.', path.basename(file)));
    if (stat.size > MAX_PUBLIC_KEY_FILE_BYTES) {
      throw new PublicKeyError(
        l10n.t(
          '{0} is {1} KB: too large to be an OpenSSH public key.',
          path.basename(file),
          Math.round(stat.size / 1024),
        ),
      );
    }
    return await handle.readFile({ encoding: 'utf8' });
  } finally {
    await handle.close();
  }
}

/**
 * The name offered when importing a key: its comment if that is a valid key pair name,
 * else the file's base name (without `.pub`) if valid, else empty.
 */
export function defaultImportName(key: { comment: string }, file: string | undefined, microversion?: string): string {
  const base = file ? path.basename(file).replace(/\.pub$/, '') : '';
  for (const candidate of [key.comment, base]) {
    if (candidate && !checkKeyPairName(candidate, microversion)) return candidate;
  }
  return '';
}
