/**
 * What the commands share: secrets, the signed-in account, the one HTTP client (created
 * on first use, with the proxy settings of that moment), the Compute client of the
 * current target (the signed-in account's region, else the `keypairs.endpoint` setting),
 * the message sink, and the events "target changed" and "key pairs changed". The clients'
 * code (./clients) loads with the first request.
 */
import * as vscode from 'vscode';
import { AccountStore } from './account';
import type { ComputeClient, TokenSource } from '../core/api/compute';
import type { HttpClient } from '../core/api/http';
import { CONTEXT, setContextKey } from './contextKeys';
import type { ErrorContext } from '../core/wording/api';
import type { TokenManager } from '../core/api/tokenManager';
import { KeyPairList } from '../core/flows/keyPairList';
import { log } from './log';
import { confirmPlainHttp } from './plainHttp';
import { Secrets, TOKEN_KEY } from './secrets';
import { endpointSetting } from './settings';
import { Messages, MessageSink, PlainMessages, vscodeMessages } from './ui/notify';
import { QuickInputUserInput, UserInput } from './ui/userInput';

/** Why there is no Compute client yet; each has a fix the user is offered. */
export type MissingSetup = 'endpoint' | 'token';

export class Services implements vscode.Disposable {
  readonly secrets: Secrets;
  readonly account: AccountStore;
  private httpClient?: HttpClient;
  private computeClient?: ComputeClient;
  private tokens?: TokenManager;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly keyPairsEmitter = new vscode.EventEmitter<void>();
  /** Fires when the Compute API to talk to may have changed (endpoint, token, account, region). */
  readonly onDidChangeTarget = this.changed.event;
  /** Fires when a command created, imported or deleted a key pair (or may have: an unclear answer). */
  readonly onDidChangeKeyPairs = this.keyPairsEmitter.event;
  /** Where messages go and how the user is asked: VS Code's, or what a test puts in (`useIO`). */
  private io: { ui: UserInput; sink: MessageSink } = { ui: new QuickInputUserInput(), sink: vscodeMessages };
  /** Every message shown by the extension, as plain text, to the sink in use, errors worded for the target. */
  readonly messages: Messages = new PlainMessages(
    () => this.io.sink,
    () => this.errorContext(),
  );
  private list?: KeyPairList;
  /** Aborted when the extension is shut down: every run's signal follows it. */
  private readonly lifetime = new AbortController();

  constructor(readonly context: vscode.ExtensionContext) {
    this.secrets = new Secrets(context.secrets);
    this.account = new AccountStore(context);
    context.subscriptions.push(
      this.changed,
      this.keyPairsEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('http') || e.affectsConfiguration('keypairs.caCertificates')) this.resetHttp();
        if (e.affectsConfiguration('keypairs.endpoint')) this.targetChanged();
      }),
      context.secrets.onDidChange((e) => {
        if (e.key === TOKEN_KEY) this.targetChanged();
      }),
    );
    this.updateContextKeys();
  }

  /** Everything the extension asks the user (QuickInput and dialogs). */
  get ui(): UserInput {
    return this.io.ui;
  }

  /**
   * Test mode: asks through `ui` and shows messages to `sink` until the returned Disposable
   * is disposed (the extension-host tests record and answer them). A run in progress keeps
   * the ones its context was made with.
   */
  useIO(io: { ui: UserInput; sink: MessageSink }): vscode.Disposable {
    const saved = this.io;
    this.io = io;
    return { dispose: () => void (this.io = saved) };
  }

  /** The key pairs the view has loaded, once the view is registered. */
  get keyPairList(): KeyPairList | undefined {
    return this.list;
  }

  /** The view's list, given once when the view is registered. */
  attachKeyPairList(list: KeyPairList): void {
    this.list ??= list;
  }

  /** A signal for one command run: aborted when the extension is shut down. */
  newRunSignal(): AbortSignal {
    return AbortSignal.any([this.lifetime.signal]);
  }

  /**
   * Where the Compute endpoint comes from, for the wording of errors: the signed-in account's
   * service catalog, or the `keypairs.endpoint` setting (API token).
   */
  errorContext(): ErrorContext {
    const p = this.account.profile();
    return p ? { endpointSource: 'catalog', account: p.label, region: p.region } : { endpointSource: 'setting' };
  }

  /** `keypairs.signedIn` and `keypairs.tokenSet`, for menus and the palette (src/shell/contextKeys.ts). */
  private updateContextKeys(): void {
    setContextKey(CONTEXT.signedIn, this.account.profile() !== undefined);
    void this.secrets.getToken().then(
      (token) => setContextKey(CONTEXT.tokenSet, Boolean(token)),
      () => setContextKey(CONTEXT.tokenSet, false),
    );
  }

  /** Forget the current clients and tell listeners (views, status bar) to reload. */
  targetChanged(): void {
    this.computeClient = undefined;
    this.tokens?.clear();
    this.tokens = undefined;
    this.updateContextKeys();
    this.changed.fire();
  }

  /** The account's key pairs changed: the view reloads. */
  keyPairsChanged(): void {
    this.keyPairsEmitter.fire();
  }

  /** The one HTTP client (made on first use). */
  async http(): Promise<HttpClient> {
    const clients = await import('./clients');
    this.httpClient ??= this.makeHttp(clients, this.account.profile()?.caFile);
    return this.httpClient;
  }

  /** A new client that also trusts `caFile` (a cloud's own CA bundle from clouds.yaml or OS_CACERT). */
  async newHttp(caFile?: string): Promise<HttpClient> {
    return this.makeHttp(await import('./clients'), caFile);
  }

  private makeHttp({ HttpClient, networkOptions }: typeof import('./clients'), caFile: string | undefined): HttpClient {
    return new HttpClient({
      ...networkOptions(caFile),
      log: (line) => log.info(line),
      confirmPlainHttp,
    });
  }

  /**
   * Where key pairs go, for messages and views: "DFW · demo (Rackspace, tenant 123456)",
   * or the endpoint's host in direct mode; undefined when nothing is set up.
   */
  targetLabel(): string | undefined {
    const p = this.account.profile();
    if (p) return p.region ? `${p.region} · ${p.label}` : p.label;
    const endpoint = endpointSetting();
    try {
      return endpoint ? new URL(endpoint).host : undefined;
    } catch {
      return endpoint || undefined;
    }
  }

  /** The region of the signed-in account, if any ("DFW"). */
  region(): string | undefined {
    return this.account.profile()?.region;
  }

  /**
   * The Compute client, or what is missing to make one. Signed in, this may sign in
   * again (the stored token expired) and so throw AuthError or ApiError.
   */
  async compute(): Promise<ComputeClient | MissingSetup> {
    const profile = this.account.profile();
    if (profile) {
      const tokens = await this.tokenManager();
      const session = await tokens.session();
      const wanted = profile.region ?? session.defaultRegion;
      const region = session.regions.find((r) => r.region === wanted) ?? session.regions[0];
      if (!region)
        throw new (await import('./clients')).AuthError(
          'no-compute',
          vscode.l10n.t('{0} has no Cloud Servers / Compute endpoint.', profile.label),
        );
      if (region.region !== profile.region) await this.account.setRegion(region.region);
      return this.client(region.url, tokens, await import('./clients'));
    }
    const endpoint = endpointSetting();
    if (!endpoint) return 'endpoint';
    if (!(await this.directToken())) return 'token';
    const clients = await import('./clients');
    return this.client(endpoint, this.directTokenSource(), clients);
  }

  /** The signed-in account's token manager, seeded with the stored session. */
  async tokenManager(): Promise<TokenManager> {
    if (!this.tokens) {
      const initial = await this.account.lastSignIn();
      const clients = await import('./clients');
      this.tokens ??= new clients.TokenManager({
        http: (this.httpClient ??= this.makeHttp(clients, this.account.profile()?.caFile)),
        initial,
        credentials: () => this.account.credentials(),
        onSession: (signIn) => void this.account.saveSignIn(signIn),
      });
    }
    return this.tokens;
  }

  private client(endpoint: string, auth: TokenSource, clients: typeof import('./clients')): ComputeClient {
    if (this.computeClient?.endpoint !== endpoint.replace(/\/+$/, '')) {
      this.httpClient ??= this.makeHttp(clients, this.account.profile()?.caFile);
      this.computeClient = new clients.ComputeClient({ endpoint, auth, http: this.httpClient });
    }
    return this.computeClient;
  }

  /** The token as stored by Set API Token; it cannot be renewed without the user. */
  private directTokenSource(): TokenSource {
    return {
      canRenew: false,
      token: async () => {
        const token = await this.directToken();
        if (!token)
          throw new (await import('./clients')).AuthError('signed-out', vscode.l10n.t('No API token is set.'));
        return token;
      },
    };
  }

  /**
   * The direct-mode token: the one in SecretStorage, else $KEYPAIRS_API_TOKEN of the
   * workspace host (for sandboxes and CI, like OS_TOKEN for the OpenStack CLI).
   */
  private async directToken(): Promise<string | undefined> {
    return (await this.secrets.getToken()) || process.env.KEYPAIRS_API_TOKEN?.trim() || undefined;
  }

  /** Drops the HTTP client (settings or the account's CA changed) and reloads. */
  resetHttp(): void {
    void this.httpClient?.close();
    this.httpClient = undefined;
    this.targetChanged();
  }

  dispose(): void {
    this.lifetime.abort();
    void this.httpClient?.close();
  }
}
