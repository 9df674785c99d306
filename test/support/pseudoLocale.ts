/**
 * The pseudo-locale check of the e2e suite. Under `qps-ploc` every string this extension shows
 * comes from its pseudo bundles (l10n/bundle.l10n.qps-ploc.json, package.nls.qps-ploc.json),
 * where each is wrapped as `⟦…⟧`. Text on screen that still holds a piece of the extension's
 * own English, outside any `⟦…⟧`, was not localised.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const OPEN = '⟦';
export const CLOSE = '⟧';

/** `text` without its wrapped parts (innermost first, so nested wraps go too). */
export function stripWrapped(text: string): string {
  const innermost = new RegExp(`${OPEN}[^${OPEN}${CLOSE}]*${CLOSE}`, 'g');
  let rest = text;
  for (let before = ''; before !== rest;) {
    before = rest;
    rest = rest.replace(innermost, ' ');
  }
  return rest;
}

/**
 * The fixed pieces of the extension's English strings that are specific enough to recognise
 * on screen: each string is split at its `{0}` placeholders; a piece counts when it has at
 * least two words. (Single words such as "Delete" are checked as buttons instead.)
 */
export function englishPieces(strings: Iterable<string>): string[] {
  const pieces = new Set<string>();
  for (const english of strings) {
    for (const piece of english.split(/\{\d+\}/)) {
      const trimmed = piece.trim().replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
      if ((trimmed.match(/\p{L}{2,}/gu) ?? []).length >= 2) pieces.add(trimmed);
    }
  }
  return [...pieces].sort((a, b) => b.length - a.length);
}

/** The English pieces of `pieces` that `text` shows outside `⟦…⟧`. */
export function unwrappedEnglish(text: string, pieces: readonly string[]): string[] {
  const rest = stripWrapped(text).replace(/\s+/g, ' ');
  return pieces.filter((piece) => rest.includes(piece));
}

/** The extension's English: the l10n bundle's keys and the manifest's package.nls.json values. */
export function extensionEnglish(root: string): string[] {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, string>;
  return [...Object.keys(read('l10n/bundle.l10n.json')), ...Object.values(read('package.nls.json'))];
}

/** The pseudo-locale text of an English manifest string (package.nls.json key). */
export function pseudoManifest(root: string, key: string): string {
  const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.qps-ploc.json'), 'utf8')) as Record<
    string,
    string
  >;
  const value = nls[key];
  if (value === undefined) throw new Error(`package.nls.qps-ploc.json has no "${key}"`);
  return value;
}

/** The pseudo-locale text of an English l10n string, with its `{n}` left in place. */
export function pseudo(root: string, english: string): string {
  const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n/bundle.l10n.qps-ploc.json'), 'utf8')) as Record<
    string,
    string
  >;
  const value = bundle[english];
  if (value === undefined) throw new Error(`the pseudo bundle has no ${JSON.stringify(english)}`);
  return value;
}

/**
 * Words of `text` outside `⟦…⟧` that are not data: for a surface whose every word is the
 * extension's (a message, a title, a status bar item), any such word was not localised.
 * `data` lists the words the test itself put on screen (names, regions, users); fingerprints
 * and paths are data too.
 */
export function leftoverWords(text: string, data: Iterable<string>): string[] {
  const allowed = new Set([...data].map((word) => word.toLowerCase()));
  const rest = stripWrapped(text)
    .replace(/\$\([a-z0-9-]+(~spin)?\)/g, ' ') // a codicon
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ') // a URL
    .replace(/\b(?:MD5|SHA256):\S+/g, ' ') // a fingerprint with its algorithm
    .replace(/(?:~|\.{0,2})\/\S+/g, ' '); // a path
  return (rest.match(/\p{L}[\p{L}\p{N}]*/gu) ?? []).filter((word) => !allowed.has(word.toLowerCase()));
}
