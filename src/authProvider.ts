/**
 * The signed-in account in VS Code's Accounts menu: an AuthenticationProvider whose one
 * session is the account (signing out there is Key Pairs: Sign Out).
 */
import * as vscode from 'vscode';
import { Services } from './services';

export const AUTH_PROVIDER_ID = 'keypairs';

export class KeyPairsAuthProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.changed.event;
  private last?: vscode.AuthenticationSession;

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
    else if (before && now && before.account.label !== now.account.label) this.changed.fire({ added: [], removed: [], changed: [now] });
  }

  async getSessions(): Promise<vscode.AuthenticationSession[]> {
    const profile = this.services.account.profile();
    if (!profile) return [];
    const stored = await this.services.account.session();
    return [
      {
        id: `${profile.provider}:${profile.authUrl}:${profile.username ?? profile.label}`,
        accessToken: stored?.token ?? '',
        account: { id: profile.label, label: profile.region ? `${profile.label} · ${profile.region}` : profile.label },
        scopes: [],
      },
    ];
  }

  async createSession(): Promise<vscode.AuthenticationSession> {
    await vscode.commands.executeCommand('keypairs.signIn');
    const [session] = await this.getSessions();
    if (!session) throw new Error('Sign-in was cancelled.');
    return session;
  }

  async removeSession(): Promise<void> {
    await vscode.commands.executeCommand('keypairs.signOut');
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
    vscode.authentication.registerAuthenticationProvider(AUTH_PROVIDER_ID, 'Server Key Pairs', provider, {
      supportsMultipleAccounts: false,
    }),
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
