/**
 * A server's SSH host keys as cloud-init printed them to its console at first boot (module
 * `keys_to_console`): the keys between `-----BEGIN SSH HOST KEY KEYS-----` and its END line,
 * their fingerprints between `-----BEGIN SSH HOST KEY FINGERPRINTS-----` and its END line (on
 * images that print only those, or print them through `logger -t ec2`).
 *
 * The console is untrusted text. Only what is checked here comes out: key types of a fixed set,
 * base64 key data that decodes to a well-formed key of that same type (validated by
 * `parsePublicKey` as a server's answer), fingerprints that match their format exactly, and
 * numbers. No comment, host name or any other piece of the console is passed on, so no control
 * character, escape remains or Markdown of it can reach a message. Pure; no `vscode` import.
 */
import { PublicKeyError, PublicKeyType, parsePublicKey } from '../keys/publicKey';
import { sha256Fingerprint } from '../keys/fingerprint';

/** One host key from the console's keys block. */
export interface ConsoleHostKey {
  type: PublicKeyType;
  /** `type base64`, canonical (no comment): what a known_hosts line holds after the host. */
  key: string;
  /** `SHA256:…` as `ssh-keygen -lf` prints it, computed here from the key data. */
  sha256: string;
  bits: number;
}

/** The key type names `ssh-keygen -l` prints in parentheses. */
export type FingerprintKeyType = 'ED25519' | 'ECDSA' | 'RSA';

/** One line of the fingerprints block, `256 SHA256:… root@host (ED25519)`. */
export interface ConsoleFingerprint {
  type: FingerprintKeyType;
  bits: number;
  /** `SHA256:` + 43 base64 characters. Absent on very old images, which print MD5. */
  sha256?: string;
  /** `aa:bb:…` (16 bytes), when the image printed MD5. */
  md5?: string;
}

export type ConsoleHostKeys =
  /** The last keys block: at least one usable key. `fingerprints`: the block printed with it, if any. */
  | { status: 'keys'; keys: ConsoleHostKey[]; fingerprints: ConsoleFingerprint[]; ignoredLines: number }
  /** No usable keys block, but a fingerprints block (the latest one). */
  | { status: 'fingerprints'; fingerprints: ConsoleFingerprint[]; ignoredLines: number }
  /**
   * The text holds part of a block only: its END line without the BEGIN (`start`: the text
   * begins inside it, ask for more lines) or the BEGIN without the END (`end`: cut off, or
   * still being written). Ask once more for a longer console.
   */
  | { status: 'truncated'; at: 'start' | 'end' }
  /** Nothing to verify against (a server still booting, or an image that prints no keys). */
  | { status: 'none'; ignoredLines: number };

/** Characters of console read at most: the latest ones are kept (Nova's libvirt console is 100 KiB). */
export const MAX_CONSOLE_CHARS = 2 * 1024 * 1024;
/** A console line longer than this is never a key line (an RSA 16384 key line is about 2,800). */
const MAX_LINE_CHARS = 8192;
/** Keys and fingerprints read from one block at most (real images print 3 or 4). */
const MAX_BLOCK_ITEMS = 16;

type BlockKind = 'keys' | 'fingerprints';

const MARKER = /(?:^|[\s:>\]])-----(BEGIN|END) SSH HOST KEY (KEYS|FINGERPRINTS)-----\s*$/;
/** A key line after any prefix (timestamp, `cloud-init[812]: `, `ec2: `); the comment is not kept. */
const KEY_LINE =
  /(?:^|\s)(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)) (AAAA[A-Za-z0-9+/]{1,4000}={0,2})(?:\s|$)/;
/** `<bits> <fingerprint> <comment, may be "no comment"> (<TYPE>)` after any prefix. */
const FINGERPRINT_LINE =
  /(?:^|\s)(\d{3,5}) (SHA256:[A-Za-z0-9+/]{43}|(?:MD5:)?(?:[0-9a-f]{2}:){15}[0-9a-f]{2})(?: .*)? \((ED25519|ECDSA|RSA)\)\s*$/;
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;
/**
 * Terminal escapes (colour, erase line, cursor moves) that systemd and others print around or
 * into console lines; Nova removes the ESC byte itself, leaving `[0;1;39m`. No key, marker or
 * timestamp contains `[` followed by digits and one of these letters.
 */
// eslint-disable-next-line no-control-regex -- the ESC byte is part of what is removed
const ESCAPES = /\x1b?\[[0-9;?]*[A-HJKSTfm]/g;

interface Block {
  kind: BlockKind;
  keys: ConsoleHostKey[];
  fingerprints: ConsoleFingerprint[];
  ignored: number;
  /** Index of the BEGIN line. */
  at: number;
}

/**
 * Reads the host keys from console text. Timestamps and prefixes before the lines, `\r`,
 * control characters and noise between blocks are tolerated; with several boots the last
 * complete block counts (cloud-init prints keys once per instance, so a later block means the
 * server was reinstalled); a BEGIN whose END never comes after the last complete block makes the
 * whole answer `truncated`, never the older block. Key lines that are malformed, of another type,
 * oversized, or whose key data says another type than the line are counted in `ignoredLines`.
 */
export function parseConsoleHostKeys(text: string, options: { maxChars?: number } = {}): ConsoleHostKeys {
  const max = options.maxChars ?? MAX_CONSOLE_CHARS;
  let console = text;
  if (console.length > max) {
    // Keep the latest text; its first line is probably cut, drop it.
    console = console.slice(console.length - max);
    console = console.slice(console.indexOf('\n') + 1);
  }
  const lines = console.split('\n');
  const complete: Block[] = [];
  let open: Block | undefined;
  let endBeforeAnyBegin = false;
  let begun = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.length > MAX_LINE_CHARS) {
      if (open) open.ignored++;
      continue;
    }
    const line = raw.replace(ESCAPES, '').replace(CONTROL, '');
    const marker = MARKER.exec(line);
    if (marker) {
      const kind: BlockKind = marker[2] === 'KEYS' ? 'keys' : 'fingerprints';
      if (marker[1] === 'BEGIN') {
        // A BEGIN inside an open block: the open one never ended (a reboot cut it); drop it.
        open = { kind, keys: [], fingerprints: [], ignored: 0, at: i };
        begun = true;
      } else if (open?.kind === kind) {
        complete.push(open);
        open = undefined;
      } else if (!begun) {
        endBeforeAnyBegin = true;
      }
      continue;
    }
    if (!open) continue;
    if (open.kind === 'keys') readKeyLine(line, open);
    else readFingerprintLine(line, open);
  }

  if (open) return { status: 'truncated', at: 'end' };
  const lastKeys = findLast(complete, (b) => b.kind === 'keys');
  const lastPrints = findLast(complete, (b) => b.kind === 'fingerprints');
  const ignoredLines = complete.reduce((sum, b) => sum + b.ignored, 0);
  const printsAreNewer = lastPrints !== undefined && (lastKeys === undefined || lastPrints.at > lastKeys.at);
  if (lastKeys && lastKeys.keys.length > 0 && !printsAreNewer) {
    // The fingerprints printed for these keys: the fingerprints block just before it, if any.
    const before = findLast(complete, (b) => b.kind === 'fingerprints' && b.at < lastKeys.at);
    const previousKeys = findLast(complete, (b) => b.kind === 'keys' && b.at < lastKeys.at);
    const sameBoot = before !== undefined && (previousKeys === undefined || before.at > previousKeys.at);
    return { status: 'keys', keys: lastKeys.keys, fingerprints: sameBoot ? before.fingerprints : [], ignoredLines };
  }
  if (lastPrints && lastPrints.fingerprints.length > 0) {
    return { status: 'fingerprints', fingerprints: lastPrints.fingerprints, ignoredLines };
  }
  if (complete.length === 0 && endBeforeAnyBegin) return { status: 'truncated', at: 'start' };
  return { status: 'none', ignoredLines };
}

function readKeyLine(line: string, block: Block): void {
  if (line.trim() === '') return;
  const m = KEY_LINE.exec(line);
  if (!m || block.keys.length >= MAX_BLOCK_ITEMS) {
    block.ignored++;
    return;
  }
  try {
    const info = parsePublicKey(`${m[1]} ${m[2]}`, 'server');
    const key = info.line;
    if (!block.keys.some((k) => k.key === key)) {
      block.keys.push({ type: info.type, key, sha256: sha256Fingerprint(info.blob), bits: info.bits });
    }
  } catch (err) {
    if (!(err instanceof PublicKeyError)) throw err;
    block.ignored++;
  }
}

function readFingerprintLine(line: string, block: Block): void {
  if (line.trim() === '') return;
  const m = FINGERPRINT_LINE.exec(line);
  const bits = Number(m?.[1]);
  if (!m || bits > 16384 || block.fingerprints.length >= MAX_BLOCK_ITEMS) {
    block.ignored++;
    return;
  }
  const print = m[2] ?? '';
  const type = (m[3] ?? 'RSA') as FingerprintKeyType;
  block.fingerprints.push(
    print.startsWith('SHA256:') ? { type, bits, sha256: print } : { type, bits, md5: print.replace(/^MD5:/, '') },
  );
}

function findLast<T>(list: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i];
    if (item !== undefined && test(item)) return item;
  }
  return undefined;
}
