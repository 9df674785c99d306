/**
 * Translation for code that must stay vscode-free (src/core/wording/errorText.ts, unit-tested in plain
 * Node). In plain Node `t` only fills `{0}`-style placeholders (English). The bundle build
 * (scripts/build.mjs) resolves this module to ./l10nVscode.ts instead, whose `t` is
 * `vscode.l10n.t`, so the same calls are translated in the extension host. No dependency:
 * `@vscode/l10n` would add its loader to the bundle for what `vscode.l10n.t` already does.
 */
/** `undefined` prints as in a template literal (the wording it replaced). */
export type Arg = string | number | boolean | undefined;

/** Looks up a message in a string bundle, as VS Code does for the display language. */
export type Translator = (message: string) => string;

let translator: Translator | undefined;

/**
 * Test seam: from now on `t` looks every message up with `translate` before it fills the
 * placeholders, as `vscode.l10n.t` does with the bundle of the display language (unit tests
 * install the pseudo-locale bundle to prove the core's messages go through `t`). `undefined`
 * restores English. Nothing in src/ calls it; the bundle's `t` (src/shell/l10nVscode.ts) has no seam.
 */
export function setTranslator(translate: Translator | undefined): void {
  translator = translate;
}

/** Fills `{0}`, `{1}`… with `args`; what `vscode.l10n.t` does in English. */
export function t(message: string, ...args: Arg[]): string {
  const text = translator ? translator(message) : message;
  return text.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const position = Number(index);
    return position < args.length ? String(args[position]) : whole;
  });
}

/**
 * Marks an action label: the English text is the action's id (callers compare ids), the
 * message sink shows `t(id)` and hands back the id (see src/shell/ui/notify.ts). Listed in the
 * l10n bundle by scripts/l10n.mjs.
 */
export function label<L extends string>(english: L): L {
  return english;
}
