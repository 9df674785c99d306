/**
 * What the commands share: secrets, the one HTTP client (created on first use, with the
 * proxy settings of that moment) and the Compute client of the configured endpoint.
 */
import * as vscode from 'vscode';
import { ComputeClient, TokenSource } from './api/compute';
import { HttpClient } from './api/http';
import { log } from './log';
import { Secrets } from './secrets';
import { endpointSetting, proxySettings } from './settings';

/** Why there is no Compute client yet; each has a fix the user is offered. */
export type MissingSetup = 'endpoint' | 'token';

export class Services implements vscode.Disposable {
  readonly secrets: Secrets;
  private httpClient?: HttpClient;
  private computeClient?: ComputeClient;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the Compute API to talk to may have changed (endpoint, token, account, region). */
  readonly onDidChangeTarget = this.changed.event;

  constructor(readonly context: vscode.ExtensionContext) {
    this.secrets = new Secrets(context.secrets);
    context.subscriptions.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('http')) this.resetHttp();
        if (e.affectsConfiguration('keypairs.endpoint')) this.targetChanged();
      }),
      context.secrets.onDidChange(() => this.targetChanged()),
    );
  }

  /** Forget the current Compute client and tell listeners (views) to reload. */
  targetChanged(): void {
    this.computeClient = undefined;
    this.changed.fire();
  }

  get http(): HttpClient {
    this.httpClient ??= new HttpClient({ ...proxySettings(), log: (line) => log.info(line) });
    return this.httpClient;
  }

  /** The Compute client, or what is missing to make one. */
  async compute(): Promise<ComputeClient | MissingSetup> {
    const endpoint = endpointSetting();
    if (!endpoint) return 'endpoint';
    if (!(await this.directToken())) return 'token';
    if (this.computeClient?.endpoint !== endpoint.replace(/\/+$/, '')) {
      this.computeClient = new ComputeClient({ endpoint, auth: this.tokenSource(), http: this.http });
    }
    return this.computeClient;
  }

  /** The token as stored by Set API Token; it cannot be renewed without the user. */
  private tokenSource(): TokenSource {
    return {
      canRenew: false,
      token: async () => {
        const token = await this.directToken();
        if (!token) throw new Error('No API token is set.');
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

  private resetHttp(): void {
    void this.httpClient?.close();
    this.httpClient = undefined;
    this.computeClient = undefined;
  }

  dispose(): void {
    void this.httpClient?.close();
  }
}
