/**
 * The signed-in account. Non-secret choices (provider, auth URL, user name, region, label)
 * live in globalState; the credentials and the current token (with its expiry and the
 * regions of its catalog) live only in SecretStorage.
 */
import * as vscode from 'vscode';
import type { Credentials, Session as SignInResult } from '../core/api/identity';
import type { ProviderId } from '../core/flows/identityProviders';
import { TOKEN_KEY } from './secrets';

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
  /** A CA bundle file this account's cloud is trusted with (clouds.yaml `cacert`, `OS_CACERT`). */
  caFile?: string;
}

const PROFILE_KEY = 'keypairs.account';
const CREDENTIALS_KEY = 'keypairs.credentials';
/** The SecretStorage key of the last sign-in's token (kept as it was in 0.1.0). */
const SIGN_IN_KEY = 'keypairs.session';

/** Every key this extension ever writes to SecretStorage (Sign Out removes them all). */
export const ALL_SECRET_KEYS = [CREDENTIALS_KEY, SIGN_IN_KEY, TOKEN_KEY];

export class AccountStore {
  constructor(private readonly context: vscode.ExtensionContext) {}

  profile(): AccountProfile | undefined {
    return this.context.globalState.get<AccountProfile>(PROFILE_KEY);
  }

  async credentials(): Promise<Credentials | undefined> {
    return parse<Credentials>(await this.context.secrets.get(CREDENTIALS_KEY));
  }

  /** The last sign-in's result (token, expiry, regions), to reuse while it is fresh. */
  async lastSignIn(): Promise<SignInResult | undefined> {
    return parse<SignInResult>(await this.context.secrets.get(SIGN_IN_KEY));
  }

  async saveSignIn(result: SignInResult): Promise<void> {
    await this.context.secrets.store(SIGN_IN_KEY, JSON.stringify(result));
  }

  async signIn(profile: AccountProfile, credentials: Credentials, result: SignInResult): Promise<void> {
    await this.context.secrets.store(CREDENTIALS_KEY, JSON.stringify(credentials));
    await this.saveSignIn(result);
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
