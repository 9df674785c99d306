/**
 * Text that came from a server, a file or a setting is shown as plain text, never as a
 * link or markup. VS Code turns `[label](command:… | https:… | file:…)` into a live link in
 * notification messages, dialogs and quick input messages, and `$(name)` into an icon in
 * quick pick labels. These helpers neutralise both while keeping what the user reads the
 * same. No `vscode` import: unit-tested in plain Node.
 */

/** An invisible separator: `](` with it in between is no longer a link. */
const ZERO_WIDTH_SPACE = '\u200b';

/**
 * `text` for a notification, dialog or input box message: every `[label](target)` loses
 * its link (a zero-width space goes between `]` and `(`), and `<https://…>` autolinks lose
 * theirs the same way. What the user reads is unchanged.
 */
export function plainMessage(text: string): string {
  return text
    .replace(/\]\s*\(/g, (match) => `]${ZERO_WIDTH_SPACE}${match.slice(1)}`)
    .replace(/<(?=[a-z][a-z0-9+.-]*:)/gi, `<${ZERO_WIDTH_SPACE}`);
}

/** `text` for a quick pick label, description or detail: `$(name)` stays literal (`\$(name)`). */
export function plainLabel(text: string): string {
  return plainMessage(text).replace(/\$\(/g, '\\$(');
}
