/**
 * The part of YAML that clouds.yaml and secure.yaml files use: block mappings and block
 * sequences by indentation, plain, single- and double-quoted scalars, flow sequences of
 * scalars (`[a, b]`), `{}` and `[]`, comments and a leading `---`. Every scalar stays a string
 * (openstacksdk turns ids and ports into strings too); `null`, `~` and an empty value are null.
 * Anything else (anchors, aliases, tags, block scalars, multi-line flow) is refused with the
 * line, so a file is never half-read. No `vscode` import.
 */
import * as l10n from '../base/l10n';

export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

/** A file that is not the YAML this reader takes; `line` is 1-based. */
export class YamlError extends Error {
  override name = 'YamlError';

  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(l10n.t('line {0}: {1}', line, problem));
  }
}

interface Line {
  no: number;
  indent: number;
  text: string;
}

/** Parses `text`; throws YamlError naming the line of the first problem. */
export function parseYaml(text: string): YamlValue {
  const lines: Line[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      if (/\t/.test(/^[ \t]*/.exec(raw)?.[0] ?? '')) {
        throw new YamlError(i + 1, l10n.t('a tab in the indentation (YAML indents with spaces)'));
      }
      const body = stripComment(raw, i + 1).trimEnd();
      if (body.trim() === '') return;
      if (lines.length === 0 && body === '---') return;
      if (body === '...' || body === '---') throw new YamlError(i + 1, l10n.t('more than one document'));
      lines.push({ no: i + 1, indent: body.length - body.trimStart().length, text: body.trimStart() });
    });
  if (lines.length === 0) return null;
  const state = { at: 0 };
  const first = lines[0] as Line;
  const value = parseBlock(lines, state, first.indent);
  const rest = lines[state.at];
  if (rest) throw new YamlError(rest.no, l10n.t('this line is not indented like the lines before it'));
  return value;
}

function parseBlock(lines: Line[], state: { at: number }, indent: number): YamlValue {
  const first = lines[state.at] as Line;
  if (first.text === '-' || first.text.startsWith('- ')) return parseSequence(lines, state, indent);
  if (keyOf(first) !== undefined) return parseMapping(lines, state, indent);
  state.at++;
  return scalar(first.text, first.no);
}

function parseMapping(lines: Line[], state: { at: number }, indent: number): YamlValue {
  const out: { [key: string]: YamlValue } = {};
  for (let line = lines[state.at]; line && line.indent === indent; line = lines[state.at]) {
    const entry = keyOf(line);
    if (entry === undefined) throw new YamlError(line.no, l10n.t('expected "key: value"'));
    if (Object.prototype.hasOwnProperty.call(out, entry.key)) {
      throw new YamlError(line.no, l10n.t('the key "{0}" appears twice', entry.key));
    }
    state.at++;
    const value = entry.rest === '' ? nested(lines, state, indent, true) : scalar(entry.rest, line.no);
    // defineProperty: a key named "__proto__" is a key like any other, not the object's prototype.
    Object.defineProperty(out, entry.key, { value, enumerable: true, writable: true, configurable: true });
  }
  const next = lines[state.at];
  if (next && next.indent > indent) throw new YamlError(next.no, l10n.t('this line is indented more than expected'));
  return out;
}

function parseSequence(lines: Line[], state: { at: number }, indent: number): YamlValue {
  const out: YamlValue[] = [];
  for (let line = lines[state.at]; line && line.indent === indent; line = lines[state.at]) {
    if (!(line.text === '-' || line.text.startsWith('- '))) break;
    const rest = line.text.slice(1).trimStart();
    if (rest === '') {
      state.at++;
      out.push(nested(lines, state, indent, false));
    } else {
      // "- key: value" opens a mapping indented where its first key is.
      lines[state.at] = { no: line.no, indent: indent + (line.text.length - rest.length), text: rest };
      out.push(parseBlock(lines, state, indent + (line.text.length - rest.length)));
    }
  }
  return out;
}

/** The value on the lines after a `key:` or `-`: more indented, or (a mapping's) a sequence at the same indent. */
function nested(lines: Line[], state: { at: number }, indent: number, sameIndentList: boolean): YamlValue {
  const next = lines[state.at];
  if (!next) return null;
  if (next.indent > indent) return parseBlock(lines, state, next.indent);
  if (sameIndentList && next.indent === indent && (next.text === '-' || next.text.startsWith('- '))) {
    return parseSequence(lines, state, indent);
  }
  return null;
}

function keyOf(line: Line): { key: string; rest: string } | undefined {
  const t = line.text;
  let key: string;
  let after: string;
  if (t.startsWith('"') || t.startsWith("'")) {
    const end = quotedEnd(t, 0);
    if (end < 0) return undefined;
    const quoted = scalar(t.slice(0, end + 1), line.no);
    key = typeof quoted === 'string' ? quoted : '';
    after = t.slice(end + 1);
    if (!/^\s*:(\s|$)/.test(after)) return undefined;
    after = after.replace(/^\s*:/, '');
  } else {
    // The key ends at the first colon, which must be followed by a space or the line end.
    // (Found with indexOf, not one regular expression: a long line must not take seconds.)
    const colon = t.indexOf(':');
    if (colon < 0 || !/^(\s|$)/.test(t.slice(colon + 1, colon + 2))) return undefined;
    key = t.slice(0, colon).trimEnd();
    if (!/^([^\s:#[\]{},&*!|>'"%@`-]|-[^\s:])/.test(key)) return undefined;
    after = t.slice(colon + 1);
  }
  return { key, rest: after.trim() };
}

function quotedEnd(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

/** Cuts a `#` comment that is not inside quotes (a `#` starts one at the line start or after a space). */
function stripComment(raw: string, no: number): string {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if ((c === '"' || c === "'") && (i === 0 || /[\s:[,{-]/.test(raw[i - 1] ?? ''))) {
      const end = quotedEnd(raw, i);
      if (end < 0) throw new YamlError(no, l10n.t('a quoted value that does not end on its line'));
      i = end;
    } else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1] ?? ''))) {
      return raw.slice(0, i);
    }
  }
  return raw;
}

function scalar(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null;
  if (t === '{}') return {};
  if (t === '[]') return [];
  if (t.startsWith('"')) {
    if (quotedEnd(t, 0) !== t.length - 1) throw new YamlError(no, l10n.t('text after a quoted value'));
    return unescapeDouble(t.slice(1, -1), no);
  }
  if (t.startsWith("'")) {
    if (quotedEnd(t, 0) !== t.length - 1) throw new YamlError(no, l10n.t('text after a quoted value'));
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new YamlError(no, l10n.t('a list in brackets must end on its line'));
    return splitFlow(t.slice(1, -1), no).map((item) => scalar(item, no));
  }
  if (/^[{&*!|>%@`]/.test(t)) {
    throw new YamlError(no, l10n.t('"{0}" is YAML this reader does not take (anchors, tags, block text)', t[0] ?? ''));
  }
  return t;
}

function splitFlow(inner: string, no: number): string[] {
  const items: string[] = [];
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (c === '"' || c === "'") {
      const end = quotedEnd(inner, i);
      if (end < 0) throw new YamlError(no, l10n.t('a quoted value that does not end on its line'));
      i = end;
    } else if (c === '[' || c === '{') {
      throw new YamlError(no, l10n.t('nested lists are not taken here'));
    } else if (c === ',' || i === inner.length) {
      const item = inner.slice(start, i).trim();
      if (item !== '' || c === ',') items.push(item);
      start = i + 1;
    }
  }
  return items.filter((item, i) => item !== '' || i < items.length - 1);
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  '/': '/',
  '0': '\0',
  ' ': ' ',
};

function unescapeDouble(body: string, no: number): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length > 1) return String.fromCharCode(parseInt(e.slice(1), 16));
    const v = ESCAPES[e];
    if (v === undefined) throw new YamlError(no, l10n.t('an unknown escape "\\{0}" in a quoted value', e));
    return v;
  });
}
