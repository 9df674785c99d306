/**
 * Pure editing of an OpenSSH `authorized_keys` file's text (sshd(8) "AUTHORIZED_KEYS FILE
 * FORMAT"): find, add and remove one key. Every other byte of the file is kept: comments,
 * blank lines, other keys with their options, CRLF line ends, a missing final newline.
 *
 * Strings here are taken as they come; callers that must keep arbitrary bytes (a file read
 * over SSH) pass 'latin1' strings, which map bytes to characters one to one.
 */
import { PublicKeyError, parsePublicKey } from '../keys/publicKey';
import { UserSafeError } from '../base/userSafe';
import * as l10n from '../base/l10n';

/** A key that can't go into authorized_keys; `message` is meant for the user. */
export class AuthorizedKeysError extends UserSafeError {
  override name = 'AuthorizedKeysError';
}

/** One line of the file, as parsed. */
export interface AuthorizedKeysLine {
  /** The line without its line end. */
  text: string;
  /** `'\n'`, `'\r\n'` or `''` (the last line of a file without a final newline). */
  eol: string;
  /** `type base64` of the key on this line (the identity that counts), or undefined for comments and junk. */
  key?: string;
  /** The options before the key (`from="…",no-pty`), `''` when none. */
  options?: string;
  /** The comment after the key data, `''` when none. */
  comment?: string;
}

// Types OpenSSH accepts in authorized_keys (including certificates and security keys).
const KEY_TYPE =
  /^(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)|sk-[A-Za-z0-9@._-]+|[A-Za-z0-9-]+-cert-v01@openssh\.com|rsa-sha2-(?:256|512))$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Splits `text` into lines, each with its own line end; `''` gives no lines. */
export function parseAuthorizedKeys(text: string): AuthorizedKeysLine[] {
  const lines: AuthorizedKeysLine[] = [];
  const re = /\r?\n/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push(parseLine(text.slice(start, m.index), m[0]));
    start = m.index + m[0].length;
  }
  if (start < text.length) lines.push(parseLine(text.slice(start), ''));
  return lines;
}

function parseLine(text: string, eol: string): AuthorizedKeysLine {
  const body = text.replace(/^[ \t]+/, '');
  if (body === '' || body.startsWith('#')) return { text, eol };
  const direct = keyAt(body);
  if (direct) return { text, eol, options: '', ...direct };
  // Options come first: a comma-separated list without unquoted blanks; "…" may hold blanks and \".
  const end = optionsEnd(body);
  if (end === undefined) return { text, eol };
  const rest = body.slice(end).replace(/^[ \t]+/, '');
  const after = keyAt(rest);
  return after ? { text, eol, options: body.slice(0, end), ...after } : { text, eol };
}

/** The key at the start of `s` (`type base64 [comment]`), if there is one. */
function keyAt(s: string): { key: string; comment: string } | undefined {
  const [, type, data, comment] = /^(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(s) ?? [];
  if (type === undefined || data === undefined || !KEY_TYPE.test(type) || !BASE64.test(data)) return undefined;
  const blob = Buffer.from(data, 'base64');
  if (blob.length === 0) return undefined;
  return { key: `${type} ${blob.toString('base64')}`, comment: (comment ?? '').trim() };
}

function optionsEnd(s: string): number | undefined {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\' && s[i + 1] === '"') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ' ' || c === '\t') return i;
  }
  return undefined;
}

/**
 * The identity (`type base64`) and the line to write for one public key. Throws
 * {@link AuthorizedKeysError} for anything that is not one valid public key, or whose
 * comment holds control characters (which could end the line or fool a terminal).
 */
export function authorizedKeyLine(publicKey: string): { key: string; line: string } {
  let info;
  try {
    info = parsePublicKey(publicKey);
  } catch (err) {
    if (err instanceof PublicKeyError) throw new AuthorizedKeysError(err.message);
    throw err;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(info.comment)) {
    throw new AuthorizedKeysError(l10n.t("The public key's comment contains control characters."));
  }
  return { key: `${info.type} ${info.blob.toString('base64')}`, line: info.line };
}

/** Whether the text already has a line for `publicKey` (same type and key data; options and comment don't count). */
export function hasAuthorizedKey(text: string, publicKey: string): boolean {
  const { key } = authorizedKeyLine(publicKey);
  return parseAuthorizedKeys(text).some((l) => l.key === key);
}

/**
 * Appends the key's line (`type base64 comment` and a line end in the file's style) unless
 * the same key is already there; then the text comes back unchanged. A last line without a
 * newline gets one first.
 */
export function addAuthorizedKey(text: string, publicKey: string): { text: string; changed: boolean } {
  const { key, line } = authorizedKeyLine(publicKey);
  const lines = parseAuthorizedKeys(text);
  if (lines.some((l) => l.key === key)) return { text, changed: false };
  const eol = lines.some((l) => l.eol === '\r\n') && !lines.some((l) => l.eol === '\n') ? '\r\n' : '\n';
  const separator = text === '' || /\n$/.test(text) ? '' : eol;
  return { text: `${text}${separator}${line}${eol}`, changed: true };
}

/**
 * Removes every line that holds `publicKey` (with or without options or comment) and
 * nothing else. When the removed line was the last one and had no newline, the line
 * before it loses its newline, so the file still ends the way it did.
 */
export function removeAuthorizedKey(text: string, publicKey: string): { text: string; removed: number } {
  const { key } = authorizedKeyLine(publicKey);
  const lines = parseAuthorizedKeys(text);
  const kept = lines.filter((l) => l.key !== key);
  const removed = lines.length - kept.length;
  if (removed === 0) return { text, removed: 0 };
  const lastKept = kept.at(-1);
  if (lines.at(-1)?.eol === '' && lastKept && lastKept.eol !== '') {
    kept[kept.length - 1] = { ...lastKept, eol: '' };
  }
  return { text: kept.map((l) => l.text + l.eol).join(''), removed };
}

/**
 * The options (`from="…",no-pty,command="…"`) of the first line that holds `publicKey`, `''`
 * when that line has none, or undefined when the key is not in the text.
 */
export function authorizedKeyOptions(text: string, publicKey: string): string | undefined {
  const { key } = authorizedKeyLine(publicKey);
  return parseAuthorizedKeys(text).find((l) => l.key === key)?.options;
}

/**
 * Like {@link addAuthorizedKey}, with `options` written before the key (`<options> type base64
 * comment`): a key that replaces another keeps that key's restrictions. `options` must be
 * one options field as read from the file (no unquoted blank, no line break).
 */
export function addAuthorizedKeyWithOptions(
  text: string,
  publicKey: string,
  options: string,
): { text: string; changed: boolean } {
  if (options === '') return addAuthorizedKey(text, publicKey);
  // eslint-disable-next-line no-control-regex
  if (/[\r\n\u0000]/.test(options) || optionsEnd(`${options} x`) !== options.length) {
    throw new AuthorizedKeysError(l10n.t('The key options are not one options field.'));
  }
  const { key, line } = authorizedKeyLine(publicKey);
  const lines = parseAuthorizedKeys(text);
  if (lines.some((l) => l.key === key)) return { text, changed: false };
  const eol = lines.some((l) => l.eol === '\r\n') && !lines.some((l) => l.eol === '\n') ? '\r\n' : '\n';
  const separator = text === '' || /\n$/.test(text) ? '' : eol;
  return { text: `${text}${separator}${options} ${line}${eol}`, changed: true };
}
