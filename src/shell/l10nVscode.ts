/** What src/core/base/l10n.ts becomes in the bundle (see scripts/build.mjs): VS Code's own l10n. */
import * as vscode from 'vscode';
import type { Arg } from '../core/base/l10n';

export type { Arg } from '../core/base/l10n';

export function t(message: string, ...args: Arg[]): string {
  return vscode.l10n.t(message, ...args.map((arg) => (arg === undefined ? String(arg) : arg)));
}

export function label<L extends string>(english: L): L {
  return english;
}
