/**
 * The Key Pairs view: one node per key pair of the configured account, a page at a time
 * ("Load more…" for the next page), with the key pairs whose private key is in the SSH
 * folder marked `keypair.local`. Nothing is requested before the view asks for its
 * children (it is visible); rendering a node costs no request: details (created date) are
 * fetched only when a tooltip is hovered.
 *
 * After Check Other Regions, each key pair is marked with the other regions holding its public
 * key, or a different key under its name (description, tooltip), and the view's message names
 * the regions read and those that could not be. That read is kept across refreshes (it is never
 * repeated by one), follows Copy to Regions, and is dropped when the target changes.
 *
 * Welcome content is chosen by context keys set here:
 * - `keypairs.configured` (boolean), `keypairs.missing` ('endpoint' | 'token' | '')
 * - `keypairs.listState`: 'loading' | 'loaded' | 'empty' | 'error' | 'unconfigured'
 */
import * as vscode from 'vscode';
import { fingerprints } from '../../core/keys/fingerprint';
import type { KeyPairDetails } from '../../core/api/compute';
import { COMMAND } from '../../core/base/commandIds';
import { Inventory } from '../../core/flows/inventory';
import type { CopyResult, PairToCopy } from '../../core/flows/copyToRegions';
import {
  KeyPairList,
  KeyPairNode,
  KeyPairsViewNode,
  MoreNode,
  PUBLIC_KEY_SCHEME,
  RegionMarks,
  ServerNode,
} from '../../core/flows/keyPairList';
import { displayPath } from '../../core/keys/keyFiles';
import { log } from '../log';
import { showError } from '../messages';
import type { MissingSetup, Services } from '../services';
import { describeAddress } from '../../core/servers/addresses';
import { sshDirectory } from '../settings';

export const VIEW_ID = 'keypairs.list';

export type ListState = 'unconfigured' | 'loading' | 'loaded' | 'empty' | 'error';

/** One listing of one account: what a refresh throws away. */
interface Listing {
  /** The key pairs, their local keys and servers (nodes stay the same objects across getChildren calls). */
  inventory: Inventory;
  more: MoreNode;
  details: Map<string, Promise<KeyPairDetails | undefined>>;
  errorShown: boolean;
}

export class KeyPairsProvider implements vscode.TreeDataProvider<KeyPairsViewNode>, KeyPairList, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<KeyPairsViewNode | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;

  private listing?: Promise<Listing | MissingSetup>;
  private current?: Listing;
  private generation = 0;
  private setupErrorShown = -1;
  private loadingMore = false;
  private listState?: ListState;
  private missing?: string;
  private view?: vscode.TreeView<KeyPairsViewNode>;
  /** What the other regions hold (Check Other Regions), kept across refreshes until the target changes. */
  private regions?: RegionMarks;

  /** The time in ms (tests move it to age the server list). */
  clock: () => number = Date.now;

  constructor(private readonly services: Services) {}

  /** The tree view showing this provider (for its description and progress). */
  attach(view: vscode.TreeView<KeyPairsViewNode>): void {
    this.view = view;
  }

  /** What the view shows now (undefined before it first loaded). */
  get state(): ListState | undefined {
    return this.listState;
  }

  /** True while the server has key pairs after the loaded ones. */
  get hasMore(): boolean {
    return this.current?.inventory.pages.hasMore ?? false;
  }

  /** Requests sent for the list since the last refresh (tests check laziness with it). */
  get pageRequests(): number {
    return this.current?.inventory.pages.requests ?? 0;
  }

  /** Forgets everything loaded; the view asks again when it is visible. */
  refresh(): void {
    this.generation++;
    this.current?.inventory.dispose();
    this.current = undefined;
    this.listing = undefined;
    this.loadingMore = false;
    this.changed.fire();
  }

  /** The endpoint, token, account or region changed: what was read of other regions is about another target. */
  targetChanged(): void {
    this.regions = undefined;
    if (this.view) this.view.message = undefined;
    this.refresh();
  }

  /** Marks the pairs from what the other regions hold (a new read replaces the last one). */
  showOtherRegions(regions: RegionMarks): void {
    this.regions = regions;
    if (this.view) this.view.message = regions.summary;
    this.changed.fire();
  }

  /** A copy to other regions happened: the marks follow it without a new read. */
  copiedToRegions(pair: PairToCopy, results: readonly CopyResult[]): void {
    if (!this.regions) return;
    this.regions.recordCopy(pair, results);
    this.changed.fire();
  }

  /** The view's message: what Check Other Regions read and what it could not (undefined before, or after a target change). */
  get otherRegionsSummary(): string | undefined {
    return this.view?.message || undefined;
  }

  /** Re-reads the SSH folder (after `keypairs.sshDirectory` changed) without asking the server again. */
  refreshLocalKeys(): void {
    const s = this.current;
    if (!s) return;
    s.inventory.rereadLocalKeys(sshDirectory());
    this.changed.fire();
  }

  /** Every key pair, when all are loaded (no next page); undefined otherwise. */
  async completeList(): Promise<KeyPairNode[] | undefined> {
    return this.current?.inventory.completeKeyPairs();
  }

  /** Every server node the view has, with its key pair (for Connect's pick), when fresh and complete. */
  async serverList(): Promise<ServerNode[] | undefined> {
    return this.current?.inventory.freshServers();
  }

  async getChildren(element?: KeyPairsViewNode): Promise<KeyPairsViewNode[]> {
    if (element) {
      const s = this.current;
      if (element.kind !== 'keypair' || !s) return [];
      return s.inventory.serversOf(element);
    }
    const generation = this.generation;
    const stale = () => generation !== this.generation;

    let s: Listing | MissingSetup;
    try {
      s = await this.start();
    } catch (err) {
      if (stale()) return this.getChildren();
      // Not kept: the next refresh (Retry) asks again. Shown once per refresh.
      this.listing = undefined;
      this.setState('error');
      if (this.setupErrorShown !== generation) {
        this.setupErrorShown = generation;
        void showError(this.services.messages, err, vscode.l10n.t('Loading key pairs'));
      }
      return [];
    }
    if (stale()) return this.getChildren();
    if (typeof s === 'string') {
      this.setState('unconfigured', s);
      return [];
    }

    const servers = s.inventory.servers();
    try {
      await s.inventory.pages.first();
    } catch (err) {
      if (stale()) return this.getChildren();
      if (!s.errorShown) {
        s.errorShown = true;
        log.warn(`loading key pairs failed: ${err instanceof Error ? err.message : String(err)}`);
        void showError(this.services.messages, err, vscode.l10n.t('Loading key pairs'));
      }
      this.setState('error');
      return [];
    }
    const nodes: KeyPairsViewNode[] = await s.inventory.keyPairs();
    await servers;
    if (stale()) return this.getChildren();

    if (s.inventory.pages.hasMore) nodes.push(s.more);
    this.setState(nodes.length > 0 ? 'loaded' : 'empty');
    return nodes;
  }

  getTreeItem(node: KeyPairsViewNode): vscode.TreeItem {
    if (node.kind === 'more') {
      const loaded = this.current?.inventory.pages.keyPairs.length ?? 0;
      const item = new vscode.TreeItem(this.loadingMore ? vscode.l10n.t('Loading more…') : vscode.l10n.t('Load more…'));
      item.id = 'keypairs.more';
      item.description = vscode.l10n.t('{0} loaded', loaded);
      item.iconPath = new vscode.ThemeIcon(this.loadingMore ? 'loading~spin' : 'ellipsis');
      item.contextValue = 'loadMore';
      item.command = { command: COMMAND.loadMore, title: vscode.l10n.t('Load More Key Pairs') };
      return item;
    }
    if (node.kind === 'server') return serverItem(node);
    const item = new vscode.TreeItem(
      node.keyPair.name,
      this.current?.inventory.hasServers(node.keyPair.name)
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `keypair/${node.keyPair.name}`;
    const marks = this.regions?.marks(node.keyPair) ?? [];
    item.description = [node.keyPair.fingerprint, ...marks].join(' · ');
    item.contextValue = node.local ? 'keypair.local' : 'keypair';
    item.iconPath = new vscode.ThemeIcon(node.local ? 'key' : 'cloud');
    item.accessibilityInformation = {
      label:
        vscode.l10n.t(
          'Key pair {0}, fingerprint {1}{2}',
          node.keyPair.name,
          node.keyPair.fingerprint,
          node.local ? vscode.l10n.t(', private key found locally') : '',
        ) + marks.map((m) => `, ${m}`).join(''),
    };
    // tooltip left undefined: resolveTreeItem fills it on hover.
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: KeyPairsViewNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'keypair') return item;
    const s = this.current;
    let details: KeyPairDetails | undefined;
    let detailsFailed = false;
    if (s) {
      try {
        details = await this.details(s, node.keyPair.name);
      } catch {
        detailsFailed = true;
      }
    }
    item.tooltip = tooltip(
      node,
      details,
      detailsFailed,
      s?.inventory.sshDirectory ?? sshDirectory(),
      this.regions?.rows(node.keyPair),
    );
    return item;
  }

  /** Loads the next page (the "Load more…" node); errors are shown, the node stays for a retry. */
  async loadMore(): Promise<void> {
    const s = this.current;
    if (!s || !s.inventory.pages.hasMore || this.loadingMore) return;
    this.loadingMore = true;
    this.changed.fire(s.more);
    try {
      await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () => s.inventory.pages.more());
    } catch (err) {
      if (s === this.current) void showError(this.services.messages, err, vscode.l10n.t('Loading more key pairs'));
    } finally {
      if (s === this.current) {
        this.loadingMore = false;
        this.changed.fire();
      }
    }
  }

  dispose(): void {
    this.current?.inventory.dispose();
    this.changed.dispose();
  }

  private start(): Promise<Listing | MissingSetup> {
    this.listing ??= (async () => {
      const compute = await this.services.compute();
      if (typeof compute === 'string') return compute;
      const s: Listing = {
        inventory: new Inventory({
          compute,
          sshDirectory: sshDirectory(),
          clock: () => this.clock(),
          log: (line) => log.warn(line),
        }),
        more: { kind: 'more' },
        details: new Map(),
        errorShown: false,
      };
      this.current = s;
      if (this.view) this.view.description = this.services.targetLabel() ?? compute.endpoint;
      this.setState('loading');
      return s;
    })();
    return this.listing;
  }

  private details(s: Listing, name: string): Promise<KeyPairDetails | undefined> {
    let p = s.details.get(name);
    if (!p) {
      p = s.inventory.compute.get(name);
      s.details.set(name, p);
      // A failure is not kept: the next hover asks again.
      p.catch(() => s.details.delete(name));
    }
    return p;
  }

  private setState(state: ListState, missing?: MissingSetup): void {
    const m = state === 'unconfigured' ? (missing ?? '') : '';
    if (state === this.listState && m === this.missing) return;
    this.listState = state;
    this.missing = m;
    if (state === 'unconfigured' && this.view) this.view.description = undefined;
    void vscode.commands.executeCommand('setContext', 'keypairs.configured', state !== 'unconfigured');
    void vscode.commands.executeCommand('setContext', 'keypairs.missing', m);
    void vscode.commands.executeCommand('setContext', 'keypairs.listState', state);
  }
}

/** A server under its key pair: name, status and best address, all as plain text (no Markdown). */
export function serverItem(node: ServerNode): vscode.TreeItem {
  const server = node.server;
  const best = server.addresses[0];
  const item = new vscode.TreeItem(server.name || server.id, vscode.TreeItemCollapsibleState.None);
  item.id = `server/${node.keyPair.keyPair.name}/${server.id}`;
  const parts = [server.status, best ? best.ip : vscode.l10n.t('no address')];
  if (!node.keyPair.local) parts.push(vscode.l10n.t('private key not on this machine'));
  item.description = parts.join(' · ');
  const lines = [
    vscode.l10n.t('Server {0} ({1})', server.name, server.status),
    ...server.addresses.map(describeAddress),
    vscode.l10n.t('Key pair: {0}', node.keyPair.keyPair.name),
    node.keyPair.local
      ? vscode.l10n.t('Private key: {0}', displayPath(node.keyPair.local.privatePath))
      : vscode.l10n.t('The private key of this key pair is not on this machine.'),
  ];
  item.tooltip = lines.join('\n');
  // `server.local`: its key pair's private key is here (Copy ssh Command, Rotate).
  item.contextValue = node.keyPair.local ? 'server.local' : 'server';
  item.iconPath = new vscode.ThemeIcon(server.status === 'ACTIVE' ? 'vm-running' : 'vm');
  item.accessibilityInformation = { label: vscode.l10n.t('Server {0}, {1}', server.name, parts.join(', ')) };
  return item;
}

/**
 * The hover of a key pair node. Every value (name, fingerprint, path, what the server
 * sent) goes in with appendText: a Markdown tooltip never renders server text as markup,
 * links or HTML.
 */
export function tooltip(
  node: KeyPairNode,
  details: KeyPairDetails | undefined,
  detailsFailed: boolean,
  dir: string,
  regionRows: ReadonlyArray<readonly [string, string]> = [],
): vscode.MarkdownString {
  const kp = node.keyPair;
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  md.supportHtml = false;
  md.appendMarkdown('**');
  md.appendText(kp.name);
  md.appendMarkdown('**\n\n');
  // `label` is this extension's own wording; `value` may come from the server or a file.
  const row = (label: string, value: string) => {
    md.appendMarkdown(`${label}: `);
    md.appendText(value);
    md.appendMarkdown('  \n');
  };
  row(vscode.l10n.t('Type'), kp.type ?? details?.type ?? 'ssh');
  row(vscode.l10n.t('Fingerprint (MD5)'), kp.fingerprint);
  const sha256 = sha256Of(kp.publicKey);
  if (sha256) row(vscode.l10n.t('Fingerprint (SHA256)'), sha256);
  if (details?.createdAt) row(vscode.l10n.t('Created'), formatCreated(details.createdAt));
  else if (detailsFailed) row(vscode.l10n.t('Created'), vscode.l10n.t('could not be loaded'));
  if (node.local) row(vscode.l10n.t('Private key'), displayPath(node.local.privatePath));
  else row(vscode.l10n.t('Private key'), vscode.l10n.t('not found in {0}', displayPath(dir)));
  for (const [label, value] of regionRows) row(label, value);
  return md;
}

/** `SHA256:…` of a public key line, as `ssh-keygen -l` prints it; undefined when the line is not a valid key. */
function sha256Of(publicKey: string | undefined): string | undefined {
  if (!publicKey) return undefined;
  try {
    return fingerprints(publicKey).sha256;
  } catch {
    return undefined;
  }
}

/** Nova's `2024-05-01T12:34:56.000000` (UTC, no zone) → `2024-05-01 12:34 UTC`; other forms as sent. */
export function formatCreated(createdAt: string): string {
  const [, day, time] = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]00:?00)?$/.exec(createdAt) ?? [];
  return day && time ? vscode.l10n.t('{0} {1} UTC', day, time) : createdAt;
}

/** Serves `keypairs-public-key:/<name>.pub?<key line>` documents: read-only, nothing stored. */
class PublicKeyDocuments implements vscode.TextDocumentContentProvider {
  provideTextDocumentContent(uri: vscode.Uri): string {
    return `${uri.query}\n`;
  }
}

/**
 * Registers the Key Pairs view: it reloads when the target or the key pairs change, and
 * is the list the view commands pick from (`services.keyPairList`). Cheap: nothing is
 * read or requested until the view is shown. Returns the provider (for Test mode).
 */
export function registerKeyPairsView(context: vscode.ExtensionContext, services: Services): KeyPairsProvider {
  const provider = new KeyPairsProvider(services);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: provider });
  provider.attach(view);
  services.attachKeyPairList(provider);
  context.subscriptions.push(
    provider,
    view,
    vscode.workspace.registerTextDocumentContentProvider(PUBLIC_KEY_SCHEME, new PublicKeyDocuments()),
    services.onDidChangeTarget(() => provider.targetChanged()),
    services.onDidChangeKeyPairs(() => provider.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('keypairs.sshDirectory')) provider.refreshLocalKeys();
    }),
  );
  return provider;
}
