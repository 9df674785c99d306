/**
 * The Host entries this extension wrote (marked with HOST_ENTRY_MARKER) in the user's SSH
 * config: which of them use a key file (for Delete Key Pair…), taking them out of the file,
 * and the `ssh` command for a server (its entry's alias when one uses the key, else
 * `ssh -i <key> [user@]address`). Entries without the marker are never changed. Pure, apart
 * from {@link removeOwnedEntriesFromFile}; no `vscode` import.
 */
import * as path from 'node:path';
import { checkConfigWord } from './config/words';
import { configBlocks } from './config/parse';
import { HOST_ENTRY_MARKER } from './config/hostEntry';
import { resolveIdentityArgument, sshHome } from './config/paths';
import { updateConfigFile } from './config/file';
import { sshCommand } from './sshCommand';

/** A Host entry of the config. */
export interface HostEntryInfo {
  /** The one alias of its Host line. */
  alias: string;
  /** 1-based line of its Host line. */
  line: number;
  /** True when this extension wrote it (the marker comment is in it). */
  ours: boolean;
  hostName?: string;
  user?: string;
  /** The files its IdentityFile lines name, resolved (`~/`, `%d`, `${HOME}`). */
  identityFiles: string[];
}

/** The text of a config as a latin1 byte string (the parser's input), from bytes or a JS string. */
function bytes(config: string | Uint8Array): string {
  return (typeof config === 'string' ? Buffer.from(config, 'utf8') : Buffer.from(config)).toString('latin1');
}

/** Lines with their endings, so that joining them gives the text back byte for byte. */
function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\n|\r|$)/g)?.filter((l, i, all) => l !== '' || i < all.length - 1) ?? [];
}

/** Every `Host` entry with one plain alias (no pattern, no negation), in file order. */
export function hostEntries(config: string | Uint8Array, home = sshHome()): HostEntryInfo[] {
  const text = bytes(config);
  const lines = splitLines(text);
  const blocks = configBlocks(text);
  return blocks.flatMap((block, index): HostEntryInfo[] => {
    const [alias, ...more] = block.patterns;
    if (block.kind !== 'host' || alias === undefined || more.length > 0 || /[*?!]/.test(alias)) return [];
    const next = blocks[index + 1]?.line ?? lines.length + 1;
    const ours = lines.slice(block.line, next - 1).some((l) => l.trim() === HOST_ENTRY_MARKER);
    const first = (keyword: string) => block.options.find((o) => o.keyword === keyword)?.args[0];
    const identityFiles = block.options
      .filter((o) => o.keyword === 'identityfile' && o.args[0] !== undefined)
      .map((o) => resolveIdentityArgument(fromLatin1(o.args[0] ?? ''), home));
    const hostName = first('hostname');
    const user = first('user');
    return [
      {
        alias: fromLatin1(alias),
        line: block.line,
        ours,
        ...(hostName !== undefined && { hostName: fromLatin1(hostName) }),
        ...(user !== undefined && { user: fromLatin1(user) }),
        identityFiles,
      },
    ];
  });
}

function fromLatin1(value: string): string {
  return Buffer.from(value, 'latin1').toString('utf8');
}

/** The entries this extension wrote whose IdentityFile is `privatePath` (or its `.pub`). */
export function ownedEntriesUsing(config: string | Uint8Array, privatePath: string, home = sshHome()): HostEntryInfo[] {
  const wanted = new Set([path.normalize(privatePath), `${path.normalize(privatePath)}.pub`]);
  return hostEntries(config, home).filter((e) => e.ours && e.identityFiles.some((f) => wanted.has(f)));
}

/**
 * The config without the entries this extension wrote for `aliases` (other entries, comments
 * and line endings byte-identical). An entry goes with the blank lines after it; at the end of
 * the file, the blank line the writer put before it goes too.
 */
export function removeOwnedEntries(config: string | Uint8Array, aliases: readonly string[]): Buffer {
  const text = bytes(config);
  const lines = splitLines(text);
  const blocks = configBlocks(text);
  const owned = new Set(
    hostEntries(text, '/')
      .filter((e) => e.ours && aliases.includes(e.alias))
      .map((e) => e.line),
  );
  const drop = new Set<number>();
  blocks.forEach((block, index) => {
    if (!owned.has(block.line)) return;
    const next = blocks[index + 1]?.line ?? lines.length + 1;
    for (let n = block.line; n < next; n++) drop.add(n);
    if (next === lines.length + 1) {
      for (let n = block.line - 1; n >= 1 && (lines[n - 1] ?? '').trim() === '' && !drop.has(n); n--) drop.add(n);
    }
  });
  return Buffer.from(lines.filter((_l, i) => !drop.has(i + 1)).join(''), 'latin1');
}

/**
 * Takes the entries this extension wrote for `aliases` out of the config file (atomically,
 * its mode kept; a symlink's target is written). Returns the aliases removed (those still
 * there and still ours). Throws an SshConfigFileError when the file can't be read or written;
 * then nothing was changed.
 */
export async function removeOwnedEntriesFromFile(configPath: string, aliases: readonly string[]): Promise<string[]> {
  // The same compare-and-swap writer as Connect's and Rotate's: another window's write in
  // between is re-read and kept, never lost.
  let removed: string[] = [];
  await updateConfigFile(configPath, (content) => {
    if (!content) return undefined;
    const present = hostEntries(content, '/').filter((e) => e.ours && aliases.includes(e.alias));
    removed = present.map((e) => e.alias);
    return present.length === 0 ? undefined : removeOwnedEntries(content, aliases);
  });
  return removed;
}

/**
 * The `ssh` command for a server: `ssh <alias>` when an entry of the config logs in to one of
 * its addresses with its key (what Connect wrote, or the user), else `ssh -i <key> [user@]<address>`
 * with the user such an entry names for the address, if any.
 */
export function serverSshCommand(opts: {
  config: string | Uint8Array | undefined;
  addresses: readonly string[];
  privatePath: string;
  home?: string;
  platform?: NodeJS.Platform;
}): string | undefined {
  const home = opts.home ?? sshHome();
  const [address] = opts.addresses;
  if (address === undefined) return undefined;
  const key = path.normalize(opts.privatePath);
  const entries = opts.config === undefined ? [] : hostEntries(opts.config, home);
  const usable = entries.filter(
    (e) =>
      e.hostName !== undefined &&
      opts.addresses.some((a) => a.toLowerCase() === e.hostName?.toLowerCase()) &&
      e.identityFiles.includes(key),
  );
  const entry = usable.find((e) => checkConfigWord(e.alias, 'alias') === undefined);
  if (entry) return sshCommand({ alias: entry.alias, identityFile: key, home, platform: opts.platform });
  const user = entries.find(
    (e) =>
      e.hostName?.toLowerCase() === address.toLowerCase() &&
      e.user !== undefined &&
      checkConfigWord(e.user, 'user') === undefined,
  )?.user;
  return sshCommand({
    alias: address,
    hostName: address,
    ...(user !== undefined && { user }),
    identityFile: key,
    home,
    platform: opts.platform,
  });
}
