/**
 * "The account's key pairs changed": fired by the commands that create, import or delete
 * one, so the Key Pairs view reloads. Firing it costs nothing while the view is hidden.
 */
import * as vscode from 'vscode';

const emitter = new vscode.EventEmitter<void>();

export const onKeyPairsChanged: vscode.Event<void> = emitter.event;

export function keyPairsChanged(): void {
  emitter.fire();
}
