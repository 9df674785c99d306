/**
 * The signed-in account in VS Code's Accounts menu: an AuthenticationProvider whose one
 * AuthenticationSession stands for the account (signing out there is Key Pairs: Sign Out).
 * Other extensions have no use for the cloud token, so none is handed out: the session's
 * id and `accessToken` are one opaque random value, new for each sign-in, that grants
 * nothing anywhere.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { COMMAND } from '../core/base/commandIds';
import { Services } from './services';

export const AUTH_PROVIDER_ID = 'keypairs';

export class KeyPairsAuthProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.changed.event;
  private last?: vscode.AuthenticationSession;
  /** The opaque id of the signed-in account's session, and which sign-in it stands for. */
  private opaque?: { account: string; id: string };

  constructor(private readonly services: Services) {}

  /** Whether the last refresh found an account. */
  get signedIn(): boolean {
    return this.last !== undefined;
  }

  /** Tells VS Code the account was added, removed or changed (after Sign In / Sign Out / region). */
  async refresh(): Promise<void> {
    const [now] = await this.getSessions();
    const before = this.last;
    this.last = now;
    if (!before && now) this.changed.fire({ added: [now], removed: [], changed: [] });
    else if (before && !now) this.changed.fire({ added: [], removed: [before], changed: [] });
    else if (before && now && before.account.label !== now.account.label)
      this.changed.fire({ added: [], removed: [], changed: [now] });
  }

  getSessions(): Promise<vscode.AuthenticationSession[]> {
    const profile = this.services.account.profile();
    if (!profile) return Promise.resolve([]);
    const account = `${profile.provider}\n${profile.authUrl}\n${profile.username ?? ''}\n${profile.label}`;
    if (this.opaque?.account !== account) this.opaque = { account, id: randomUUID() };
    return Promise.resolve([
      {
        id: this.opaque.id,
        accessToken: this.opaque.id,
        account: { id: this.opaque.id, label: profile.region ? `${profile.label} · ${profile.region}` : profile.label },
        scopes: [],
      },
    ]);
  }

  async createSession(): Promise<vscode.AuthenticationSession> {
    await vscode.commands.executeCommand(COMMAND.signIn);
    const [session] = await this.getSessions();
    if (!session) throw new Error('Sign-in was cancelled.');
    return session;
  }

  async removeSession(): Promise<void> {
    await vscode.commands.executeCommand(COMMAND.signOut);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Registers the provider and keeps the Accounts menu in step with the account. */
export function registerAuthProvider(context: vscode.ExtensionContext, services: Services): void {
  const provider = new KeyPairsAuthProvider(services);
  context.subscriptions.push(
    provider,
    vscode.authentication.registerAuthenticationProvider(
      AUTH_PROVIDER_ID,
      vscode.l10n.t('Server Key Pairs'),
      provider,
      {
        supportsMultipleAccounts: false,
      },
    ),
    services.onDidChangeTarget(() => void refreshAccountsMenu(provider)),
  );
  void refreshAccountsMenu(provider);
}

/** The account shows in the Accounts menu once this extension has asked for its session. */
async function refreshAccountsMenu(provider: KeyPairsAuthProvider): Promise<void> {
  await provider.refresh();
  if (!provider.signedIn) return;
  try {
    await vscode.authentication.getSession(AUTH_PROVIDER_ID, [], { silent: true });
  } catch {
    // No account: nothing to show.
  }
}
