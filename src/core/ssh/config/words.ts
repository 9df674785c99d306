/**
 * The ssh_config word rules: which host aliases, host names and user names can be written, a
 * word as one ssh_config argument (quoting, `%` tokens), and OpenSSH's splitting of a line's
 * arguments.
 */
import * as l10n from '../../base/l10n';

/** What a config word is for: a Host alias is also what the user types after `ssh`. */
export type ConfigWordKind = 'alias' | 'host' | 'user';

const ALIAS_CHARS = /^[A-Za-z0-9._-]$/;

/**
 * Why `value` can't be written as this kind of ssh_config word, or undefined. An alias
 * must mean itself on the `ssh` command line and in a `Host` line: no `@` (`ssh me@laptop`
 * means user `me` on host `laptop`), no leading `-` (an option), no pattern characters
 * (`*`, `?`, `!`), no quotes or spaces; only letters, digits, `.`, `_` and `-`.
 */
export function checkConfigWord(value: string, kind: ConfigWordKind): string | undefined {
  const say = WORD_MESSAGES[kind];
  if (value === '') return say.empty();
  if (/[\s\p{Cc}]/u.test(value)) return say.spaces();
  if (/["'`]/.test(value)) return say.quotes();
  if (value.startsWith('-')) return say.dash();
  if (kind === 'alias') {
    if (value.includes('@')) {
      const [user, host] = value.split('@', 2);
      return l10n.t(
        'The host alias can\'t contain "@": "ssh {0}" would mean user "{1}" on host "{2}".',
        value,
        user,
        host,
      );
    }
    const wildcard = /[*?!]/.exec(value);
    if (wildcard) {
      return l10n.t('The host alias can\'t contain "{0}": in an SSH config it makes a pattern.', wildcard[0]);
    }
    const bad = Array.from(value).findIndex((c) => !ALIAS_CHARS.test(c));
    if (bad >= 0) {
      const c = Array.from(value)[bad] ?? '';
      return l10n.t(
        '"{0}" at position {1} is not allowed in a host alias. Use letters, digits, ".", "_" and "-".',
        c,
        bad + 1,
      );
    }
    return undefined;
  }
  if (/[#\\]/.test(value)) {
    return kind === 'user'
      ? l10n.t('The user name can\'t contain "#" or "\\".')
      : l10n.t('The host name can\'t contain "#" or "\\".');
  }
  if (kind === 'user' && value.includes('%')) return l10n.t('The user name can\'t contain "%".');
  return undefined;
}

/**
 * The sentences every kind of word shares, whole for translators: the word's name
 * (`host alias`, `host name`, `user name`) is part of each (the `label` argument of
 * {@link checkConfigWord} is kept for its callers; the wording follows `kind`).
 */
const WORD_MESSAGES: Record<ConfigWordKind, Record<'empty' | 'spaces' | 'quotes' | 'dash', () => string>> = {
  alias: {
    empty: () => l10n.t('Enter a host alias.'),
    spaces: () => l10n.t("The host alias can't contain spaces or line breaks."),
    quotes: () => l10n.t("The host alias can't contain quotes."),
    dash: () => l10n.t('The host alias can\'t start with "-": ssh would read it as an option.'),
  },
  host: {
    empty: () => l10n.t('Enter a host name.'),
    spaces: () => l10n.t("The host name can't contain spaces or line breaks."),
    quotes: () => l10n.t("The host name can't contain quotes."),
    dash: () => l10n.t('The host name can\'t start with "-": ssh would read it as an option.'),
  },
  user: {
    empty: () => l10n.t('Enter a user name.'),
    spaces: () => l10n.t("The user name can't contain spaces or line breaks."),
    quotes: () => l10n.t("The user name can't contain quotes."),
    dash: () => l10n.t('The user name can\'t start with "-": ssh would read it as an option.'),
  },
};

/**
 * A host alias made from a name (a server's, a key file's): characters an alias can't have
 * become `-`, and so does `.`: an alias with a dot can be a real host name (`github.com`),
 * and an entry for it would send every connection to that host elsewhere.
 */
export function suggestAlias(fileBase: string): string {
  const alias = Array.from(fileBase)
    .map((c) => (ALIAS_CHARS.test(c) && c !== '.' ? c : '-'))
    .join('')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  return alias === '' ? 'server' : alias;
}

/**
 * `value` as one ssh_config argument: `%` doubled where ssh expands `%` tokens
 * (`tokens`), and in double quotes if it has a space or a character ssh_config treats
 * specially (`#`, `'`, `=`). Throws for what no quoting can carry portably (`"`, `\`,
 * control characters).
 */
export function configWord(value: string, options: { tokens: boolean }): string {
  if (value === '' || /["\\\p{Cc}]/u.test(value)) {
    throw new Error(
      `"${value}" can't be written in an SSH config: it is empty or has quotes, "\\" or control characters.`,
    );
  }
  const escaped = options.tokens ? value.replace(/%/g, '%%') : value;
  return /[\s#'=]/.test(escaped) ? `"${escaped}"` : escaped;
}

/**
 * Splits the arguments of one ssh_config line as OpenSSH's `argv_split` does: only space
 * and tab separate (a byte of 0x80 or more never does: `Р` in UTF-8 holds 0xA0), `"…"` and
 * `'…'` quote, `\` escapes only `\`, `'`, `"` (and a space outside quotes) and is kept
 * before anything else (`C:\Users\me` stays as written), and a word starting with `#`
 * begins a comment.
 */
export function splitConfigArgs(rest: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < rest.length) {
    while (i < rest.length && isConfigSpace(rest.charAt(i))) i++;
    if (i >= rest.length || rest.charAt(i) === '#') break;
    let word = '';
    let quote = '';
    for (; i < rest.length; i++) {
      const c = rest.charAt(i);
      const next = rest.charAt(i + 1);
      if (c === '\\' && (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' '))) {
        word += next;
        i++;
      } else if (quote === '' && isConfigSpace(c)) break;
      else if (quote === '' && (c === '"' || c === "'")) quote = c;
      else if (quote !== '' && c === quote) quote = '';
      else word += c;
    }
    args.push(word);
  }
  return args;
}

/** The bytes that separate words in ssh_config (OpenSSH: space and tab; `\r` `\n` `\f` end a line). */
export function isConfigSpace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\r' || char === '\n' || char === '\f';
}
