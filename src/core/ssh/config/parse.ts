/**
 * Reading an ssh_config text: its lines and blocks (with the offsets the writers edit at), the
 * read-only view of its blocks the flows use, and OpenSSH's host pattern lists.
 *
 * The text is bytes (a `latin1` string, one character a byte), so a config that is not valid
 * UTF-8 survives unchanged; only the lines written here are UTF-8 (see {@link utf8}).
 */
import { splitConfigArgs } from './words';

export interface ConfigLine {
  /** Offset of the line's first byte in the text. */
  start: number;
  /** Offset after the line's content (before its line ending). */
  contentEnd: number;
  /** Offset after its line ending. */
  end: number;
  /** Lower-cased keyword; undefined for blank and comment lines. */
  keyword?: string;
  args: string[];
  /** Offsets of the argument text (after the keyword and separator), for rewriting it. */
  argsStart: number;
  comment: boolean;
}

export interface Block {
  /** 'preamble' is everything before the first Host/Match line. */
  kind: 'preamble' | 'host' | 'match';
  /** Index of the Host/Match line (or 0 for the preamble) and of the line after the block. */
  first: number;
  next: number;
}

export interface ParsedConfig {
  text: string;
  lines: ConfigLine[];
  blocks: Block[];
  eol: string;
}

export function parseConfig(text: string): ParsedConfig {
  const lines: ConfigLine[] = [];
  const re = /([^\r\n]*)(\r\n|\n|\r(?!\n)|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const [all, content = '', ending = ''] = m;
    const start = m.index;
    if (all === '' && start >= text.length) break;
    const line = parseLine(content, start);
    lines.push({ ...line, start, contentEnd: start + content.length, end: start + all.length });
    if (ending === '') break;
  }
  const blocks: Block[] = [{ kind: 'preamble', first: 0, next: lines.length }];
  lines.forEach((line, index) => {
    if (line.keyword !== 'host' && line.keyword !== 'match') return;
    const last = blocks[blocks.length - 1];
    if (last) last.next = index;
    blocks.push({ kind: line.keyword, first: index, next: lines.length });
  });
  const crlf = /^[^\n]*\r\n/.test(text);
  return { text, lines, blocks, eol: crlf ? '\r\n' : '\n' };
}

function parseLine(content: string, start: number): Omit<ConfigLine, 'start' | 'contentEnd' | 'end'> {
  const body = start === 0 ? content.replace(/^\uFEFF|^\xEF\xBB\xBF/, '') : content;
  const offset = content.length - body.length;
  const trimmed = body.replace(/^[ \t\f]+/, '');
  if (trimmed === '' || trimmed.startsWith('#')) return { args: [], argsStart: start, comment: trimmed !== '' };
  const m = /^([ \t\f]*)([A-Za-z][A-Za-z0-9]*)([ \t\f]*=[ \t\f]*|[ \t\f]+|$)/.exec(body);
  if (!m) return { keyword: '?', args: [], argsStart: start, comment: false };
  const argsStart = start + offset + m[0].length;
  const args = splitConfigArgs(body.slice(m[0].length));
  return { keyword: (m[2] ?? '').toLowerCase(), args, argsStart, comment: false };
}

/** One option line of a {@link ConfigBlock}. */
export interface ConfigOption {
  /** Lower-cased keyword. */
  keyword: string;
  /** Its arguments, unquoted (latin1 byte strings when the text was). */
  args: string[];
  /** 1-based line number. */
  line: number;
}

/** A block of an ssh_config text: the lines before the first Host/Match, or one Host/Match and its options. */
export interface ConfigBlock {
  kind: 'preamble' | 'host' | 'match';
  /** 1-based line of the Host/Match line (1 for the preamble). */
  line: number;
  /** The Host line's patterns, or the host names of a Match line's `host`/`originalhost` criteria. */
  patterns: string[];
  /** The Match line's arguments as written (empty for Host and the preamble). */
  criteria: string[];
  options: ConfigOption[];
}

/** The blocks of an ssh_config text, read with OpenSSH's word rules (a read-only view for the flows). */
export function configBlocks(text: string): ConfigBlock[] {
  const parsed = parseConfig(text);
  return parsed.blocks.map((block) => {
    const head = parsed.lines[block.first];
    const options: ConfigOption[] = [];
    const from = block.kind === 'preamble' ? block.first : block.first + 1;
    for (let i = from; i < block.next; i++) {
      const line = parsed.lines[i];
      if (line?.keyword && line.keyword !== '?') options.push({ keyword: line.keyword, args: line.args, line: i + 1 });
    }
    let patterns: string[] = [];
    let criteria: string[] = [];
    if (block.kind === 'host') patterns = head?.args ?? [];
    if (block.kind === 'match') {
      criteria = head?.args ?? [];
      for (let i = 0; i < criteria.length; i++) {
        const criterion = (criteria[i] ?? '').toLowerCase();
        // `Match host=web` (OpenSSH 9.9+) or `Match host web`.
        const eq = /^(host|originalhost)=(.*)$/i.exec(criteria[i] ?? '');
        if (eq) patterns.push(...(eq[2] ?? '').split(','));
        else if ((criterion === 'host' || criterion === 'originalhost') && i + 1 < criteria.length) {
          patterns.push(...(criteria[++i] ?? '').split(','));
        }
      }
      patterns = patterns.filter((p) => p !== '');
    }
    return { kind: block.kind, line: block.first + 1, patterns, criteria, options };
  });
}

/** True when `name` matches the OpenSSH pattern list `patterns` (`*`, `?`, `!` negation). */
export function matchesPatternList(patterns: readonly string[], name: string): boolean {
  let positive = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) positive = true;
  }
  return positive;
}

function globMatch(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(name);
}

/** The text of the line at `index`, without its line ending. */
export function lineText(parsed: ParsedConfig, index: number): string {
  const line = parsed.lines[index];
  return line ? parsed.text.slice(line.start, line.contentEnd) : '';
}

export function toBytes(config: string | Uint8Array): string {
  return (typeof config === 'string' ? Buffer.from(config, 'utf8') : Buffer.from(config)).toString('latin1');
}
export function fromBytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
/** A JS string as the latin1 "byte string" of its UTF-8 encoding. */
export function utf8(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}
export function fromUtf8(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
