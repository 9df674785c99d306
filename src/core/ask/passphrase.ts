/**
 * The optional passphrase of a new private key as `runSteps` steps (Create and Rotate): typed,
 * then typed again in password boxes; empty means none (no second box). A second answer that
 * is not the first goes back to the first box. Kept in memory only. No `vscode` import.
 */
import * as l10n from '../base/l10n';
import { BACK, Step, StepInput, shownPosition } from './wizard';

/** The answers: `passphrase` ('' for none) once the steps are done. */
export interface PassphraseState {
  passphrase?: string;
}

/** The steps for `state` as answered so far: one box when it was left empty, else two. */
export function passphraseSteps<S extends PassphraseState>(ui: StepInput, title: string, state: S): Array<Step<S>> {
  const first: Step<S> = async (s, position) => {
    const value = await ui.input({
      title,
      ...shownPosition(position),
      prompt: l10n.t('Passphrase for the new private key (optional: leave empty for none)'),
      password: true,
    });
    if (value === undefined || value === BACK) return value;
    s.passphrase = value;
    return 'next';
  };
  const again: Step<S> = async (s, position) => {
    const typed = s.passphrase ?? '';
    const value = await ui.input({
      title,
      ...shownPosition(position),
      prompt: l10n.t('Type the passphrase again'),
      password: true,
      validate: (v) => (v === typed || typed.startsWith(v) ? undefined : l10n.t('The passphrases do not match.')),
    });
    if (value === undefined) return undefined;
    // Back, or only the start of it typed: the first box again.
    return value === typed ? 'next' : BACK;
  };
  return state.passphrase === '' ? [first] : [first, again];
}
