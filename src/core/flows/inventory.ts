/**
 * The inventory of one account: its key pairs, which of them have their private key in the SSH
 * folder (matched by fingerprint), and the servers booted with each (by `key_name`). The one
 * join of the three, for the Key Pairs view, the key pair pick, Connect's server pick and
 * Create's Connect… button; and the one rule for when a list already read may be used again
 * ("fresh and complete"). No `vscode` import.
 */
import type { ComputeClient, KeyPair } from '../api/compute';
import { KeyPairPages } from '../api/keyPairPages';
import { listServers, Server } from '../api/servers';
import { findLocalKey, LocalKey, localKeyIndex } from '../keys/localKeys';
import { groupServersByKey, ServersByKey, serversOfKey } from '../servers/group';
import type { KeyPairNode, ServerNode } from './keyPairList';

/** How old a server list may be for a pick to use it instead of reading it again. */
export const SERVER_LIST_MAX_AGE_MS = 5 * 60_000;

/** A key pair with its private key here, if a `.pub` file in the SSH folder has its fingerprint. */
export function joinKeyPair(keyPair: KeyPair, index: ReadonlyMap<string, LocalKey>): KeyPairNode {
  return { kind: 'keypair', keyPair, local: findLocalKey(index, keyPair.fingerprint) };
}

/** The servers booted with a key pair, each with that key pair (list order). */
export function joinServers(keyPair: KeyPairNode, grouped: ServersByKey<Server>): ServerNode[] {
  return serversOfKey(grouped, keyPair.keyPair.name).map((server): ServerNode => ({ kind: 'server', server, keyPair }));
}

/** Every key pair of the account with its local key: one key pair list, one read of the SSH folder. */
export async function readKeyPairNodes(
  compute: ComputeClient,
  sshDirectory: string,
  signal?: AbortSignal,
): Promise<KeyPairNode[]> {
  const [keyPairs, index] = await Promise.all([compute.listAll({ signal }), localKeyIndex(sshDirectory)]);
  return keyPairs.map((keyPair) => joinKeyPair(keyPair, index));
}

/**
 * Every server booted with one of the account's key pairs, with that key pair and its local
 * key: one key pair list, one server list, one read of the SSH folder.
 */
export async function readServerNodes(
  compute: ComputeClient,
  sshDirectory: string,
  signal?: AbortSignal,
): Promise<ServerNode[]> {
  const [keyPairs, index, list] = await Promise.all([
    compute.listAll({ signal }),
    localKeyIndex(sshDirectory),
    listServers(compute, { signal }),
  ]);
  const grouped = groupServersByKey(list.servers);
  return keyPairs.flatMap((keyPair) => joinServers(joinKeyPair(keyPair, index), grouped));
}

/** The servers already booted with `keyPair` (a pair just created, say): one server list. */
export async function readServersOf(
  compute: ComputeClient,
  keyPair: KeyPairNode,
  signal?: AbortSignal,
): Promise<ServerNode[]> {
  const list = await listServers(compute, { signal });
  return joinServers(keyPair, groupServersByKey(list.servers));
}

export interface InventoryOptions {
  compute: ComputeClient;
  sshDirectory: string;
  /** The time in ms (tests move it to age the server list). */
  clock?: () => number;
  /** Where a failed server list is told (it is never thrown). */
  log?: (line: string) => void;
  /** Page size of the key pair list (the view's default when not given). */
  pageSize?: number;
}

/**
 * One listing of one account, as the Key Pairs view keeps it until a refresh: the key pairs a
 * page at a time, the SSH folder's keys, and the servers read once. A node stays the same
 * object as long as what it joins is the same (the view relies on it).
 */
export class Inventory {
  readonly compute: ComputeClient;
  readonly pages: KeyPairPages;
  private dir: string;
  private index: Promise<Map<string, LocalKey>>;
  private readonly keyPairNodes = new Map<string, KeyPairNode>();
  private readonly serverNodeLists = new Map<string, ServerNode[]>();
  private serversRead?: Promise<ServersByKey<Server> | undefined>;
  private grouped?: ServersByKey<Server>;
  private serversReadAt?: number;
  private readonly clock: () => number;
  private readonly log: (line: string) => void;
  /** Aborts the server list in flight when the inventory is dropped (see dispose). */
  private readonly abort = new AbortController();

  constructor(options: InventoryOptions) {
    this.compute = options.compute;
    this.pages = new KeyPairPages(options.compute, options.pageSize);
    this.dir = options.sshDirectory;
    this.index = localKeyIndex(this.dir);
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  /** The SSH folder whose keys are joined. */
  get sshDirectory(): string {
    return this.dir;
  }

  /** True when every key pair is loaded (the first page read, no next one). */
  get complete(): boolean {
    return this.pages.state === 'loaded' && !this.pages.hasMore;
  }

  /** Reads the SSH folder again (another `keypairs.sshDirectory`); the server side is kept. */
  rereadLocalKeys(sshDirectory: string): void {
    this.dir = sshDirectory;
    this.index = localKeyIndex(sshDirectory);
    this.keyPairNodes.clear();
  }

  /** The key pairs loaded so far, each with its local key. */
  async keyPairs(): Promise<KeyPairNode[]> {
    const index = await this.index;
    return this.pages.keyPairs.map((keyPair) => this.nodeFor(keyPair, index));
  }

  /** Every key pair with its local key, when all are loaded; undefined otherwise. */
  async completeKeyPairs(): Promise<KeyPairNode[] | undefined> {
    if (!this.complete) return undefined;
    return this.keyPairs();
  }

  /**
   * The servers grouped by key pair: one server list per inventory, shared by every caller; a
   * failure is logged and gives undefined (the view then shows key pairs without servers).
   */
  servers(): Promise<ServersByKey<Server> | undefined> {
    this.serversRead ??= (async () => {
      try {
        const list = await listServers(this.compute, { signal: this.abort.signal });
        this.grouped = groupServersByKey(list.servers);
        this.serversReadAt = this.clock();
        return this.grouped;
      } catch (err) {
        if (this.abort.signal.aborted) return undefined;
        this.log(`listing servers failed: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    })();
    return this.serversRead;
  }

  /** True when the server list, once read, has servers booted with `keyName`. */
  hasServers(keyName: string): boolean {
    return (this.grouped?.byKey.get(keyName)?.length ?? 0) > 0;
  }

  /** The servers of a key pair node (none when the server list failed). */
  async serversOf(keyPair: KeyPairNode): Promise<ServerNode[]> {
    const grouped = await this.servers();
    return grouped ? this.serverNodesFor(keyPair, grouped) : [];
  }

  /**
   * Every server with its key pair, when the inventory is complete (no key pair left to load,
   * whose servers would be missing) and fresh (its server list read at most `maxAgeMs` ago);
   * undefined otherwise: the caller reads them again ({@link readServerNodes}).
   */
  async freshServers(maxAgeMs = SERVER_LIST_MAX_AGE_MS): Promise<ServerNode[] | undefined> {
    if (!this.complete) return undefined;
    const grouped = await this.servers();
    if (!grouped || this.serversReadAt === undefined) return undefined;
    if (this.clock() - this.serversReadAt > maxAgeMs) return undefined;
    const nodes = await this.keyPairs();
    return nodes.flatMap((node) => this.serverNodesFor(node, grouped));
  }

  /** Abandons the page load and the server list in flight. */
  dispose(): void {
    this.pages.dispose();
    this.abort.abort();
  }

  private nodeFor(keyPair: KeyPair, index: ReadonlyMap<string, LocalKey>): KeyPairNode {
    let node = this.keyPairNodes.get(keyPair.name);
    if (!node || node.keyPair !== keyPair) {
      node = joinKeyPair(keyPair, index);
      this.keyPairNodes.set(keyPair.name, node);
    }
    return node;
  }

  private serverNodesFor(keyPair: KeyPairNode, grouped: ServersByKey<Server>): ServerNode[] {
    const servers = serversOfKey(grouped, keyPair.keyPair.name);
    const cached = this.serverNodeLists.get(keyPair.keyPair.name);
    if (
      cached &&
      cached.length === servers.length &&
      cached.every((n, i) => n.server === servers[i] && n.keyPair === keyPair)
    ) {
      return cached;
    }
    const nodes = joinServers(keyPair, grouped);
    this.serverNodeLists.set(keyPair.keyPair.name, nodes);
    return nodes;
  }
}
