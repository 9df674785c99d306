/**
 * The signed-in account. Non-secret choices (provider, auth URL, user name, region, label)
 * live in globalState; the credentials and the current token (with its expiry and the
 * regions of its catalog) live only in SecretStorage.
 */
import * as vscode from 'vscode';
import type { Credentials, Session } from './api/identity';
import { TOKEN_KEY } from './secrets';

export type ProviderId = 'rackspace-us' | 'rackspace-uk' | 'keystone';

export interface AccountProfile {
  provider: ProviderId;
  /** Identity endpoint (Rackspace) or Keystone auth URL. */
  authUrl: string;
  /** User name, or the application credential's id is not kept here (it is in secrets). */
  username?: string;
  /** e.g. "demo (Rackspace, tenant 123456)" */
  label: string;
  /** The chosen region (its Compute endpoint comes from the catalog). */
  region?: string;
}

const PROFILE_KEY = 'keypairs.account';
const CREDENTIALS_KEY = 'keypairs.credentials';
const SESSION_KEY = 'keypairs.session';

/** Every key this extension ever writes to SecretStorage (Sign Out removes them all). */
export const ALL_SECRET_KEYS = [CREDENTIALS_KEY, SESSION_KEY, TOKEN_KEY];

export class AccountStore {
  constructor(private readonly context: vscode.ExtensionContext) {}

  profile(): AccountProfile | undefined {
    return this.context.globalState.get<AccountProfile>(PROFILE_KEY);
  }

  async credentials(): Promise<Credentials | undefined> {
    return parse<Credentials>(await this.context.secrets.get(CREDENTIALS_KEY));
  }

  /** The last session (token, expiry, regions), to reuse while it is fresh. */
  async session(): Promise<Session | undefined> {
    return parse<Session>(await this.context.secrets.get(SESSION_KEY));
  }

  async saveSession(session: Session): Promise<void> {
    await this.context.secrets.store(SESSION_KEY, JSON.stringify(session));
  }

  async signIn(profile: AccountProfile, credentials: Credentials, session: Session): Promise<void> {
    await this.context.secrets.store(CREDENTIALS_KEY, JSON.stringify(credentials));
    await this.saveSession(session);
    await this.context.globalState.update(PROFILE_KEY, profile);
  }

  async setRegion(region: string): Promise<void> {
    const p = this.profile();
    if (p) await this.context.globalState.update(PROFILE_KEY, { ...p, region });
  }

  /** Forgets the account and every secret the extension stored. */
  async signOut(): Promise<void> {
    await this.context.globalState.update(PROFILE_KEY, undefined);
    for (const key of ALL_SECRET_KEYS) await this.context.secrets.delete(key);
  }
}

function parse<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
