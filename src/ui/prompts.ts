/**
 * Simple prompts (input boxes, quick picks, save dialogs) in one place, so that the
 * extension-host tests can answer them as a user would (Test mode only).
 */
import * as vscode from 'vscode';

export type Prompt =
  | { kind: 'input'; options: vscode.InputBoxOptions; step?: WizardStep }
  | { kind: 'pick'; items: readonly vscode.QuickPickItem[]; options: vscode.QuickPickOptions; step?: WizardStep }
  | { kind: 'save'; options: vscode.SaveDialogOptions }
  | { kind: 'open'; options: vscode.OpenDialogOptions };

/** Where a prompt stands in a multi-step input (./wizard), and the error it shows. */
export interface WizardStep {
  step: number;
  totalSteps: number;
  error?: string;
}

/** Test mode: answers a prompt (the value typed, the item picked, the file chosen; `open`: an array of Uris). */
type Responder = (prompt: Prompt) => unknown;
let responder: Responder | undefined;

export function setPromptResponder(fn: Responder | undefined): void {
  responder = fn;
}

/** The Test-mode responder, if any (for prompts built elsewhere, e.g. ./wizard). */
export function testResponder(): Responder | undefined {
  return responder;
}

/** `showInputBox`; the answer of a test responder is validated as typed input would be. */
export async function input(options: vscode.InputBoxOptions): Promise<string | undefined> {
  if (!responder) return vscode.window.showInputBox(options);
  const value = (await responder({ kind: 'input', options })) as string | undefined;
  if (value !== undefined && options.validateInput) {
    const problem = await options.validateInput(value);
    if (problem) throw new Error(`test answer "${value}" rejected: ${typeof problem === 'string' ? problem : problem.message}`);
  }
  return value;
}

export async function pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
  if (!responder) return vscode.window.showQuickPick(items, options);
  return (await responder({ kind: 'pick', items, options })) as T | undefined;
}

export async function saveDialog(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> {
  if (!responder) return vscode.window.showSaveDialog(options);
  return (await responder({ kind: 'save', options })) as vscode.Uri | undefined;
}

export async function openDialog(options: vscode.OpenDialogOptions): Promise<vscode.Uri[] | undefined> {
  if (!responder) return vscode.window.showOpenDialog(options);
  return (await responder({ kind: 'open', options })) as vscode.Uri[] | undefined;
}
