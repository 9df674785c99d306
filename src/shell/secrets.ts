/**
 * Secrets live only in VS Code's SecretStorage (on the client side, also in a remote
 * window): never in settings, globalState, logs or messages.
 */
import * as vscode from 'vscode';

/** SecretStorage key of the direct-mode API token. */
export const TOKEN_KEY = 'keypairs.apiToken';

export class Secrets {
  constructor(private readonly storage: vscode.SecretStorage) {}

  getToken(): Thenable<string | undefined> {
    return this.storage.get(TOKEN_KEY);
  }

  setToken(token: string): Thenable<void> {
    return this.storage.store(TOKEN_KEY, token);
  }

  clearToken(): Thenable<void> {
    return this.storage.delete(TOKEN_KEY);
  }
}
