/**
 * What the commands and the Key Pairs view share about listed key pairs, so that neither
 * imports the other: the node a view command receives, and the list the view keeps
 * (registered on Services by the view; commands reach it only through Services).
 */
import type { KeyPair } from '../api/compute';
import type { Server } from '../api/servers';
import type { LocalKey } from '../keys/localKeys';
import type { CopyResult, PairToCopy } from './copyToRegions';

/** A key pair in the view (also what the node commands receive). */
export interface KeyPairNode {
  kind: 'keypair';
  keyPair: KeyPair;
  /** The private key in the SSH folder, when one matches the fingerprint. */
  local?: LocalKey;
}

/** The "Load more…" node after the last loaded key pair when the server has more. */
export interface MoreNode {
  kind: 'more';
}

/** A server booted with a key pair, under that key pair in the view (what Connect receives). */
export interface ServerNode {
  kind: 'server';
  server: Server;
  /** The key pair it uses (its name is `server.keyName`). */
  keyPair: KeyPairNode;
}

export type KeyPairsViewNode = KeyPairNode | MoreNode | ServerNode;

export function isServerNode(value: unknown): value is ServerNode {
  const node = value as Partial<ServerNode> | undefined;
  return node?.kind === 'server' && typeof node.server?.id === 'string' && isKeyPairNode(node.keyPair);
}

export function isKeyPairNode(value: unknown): value is KeyPairNode {
  const node = value as Partial<KeyPairNode> | undefined;
  return node?.kind === 'keypair' && typeof node.keyPair?.name === 'string';
}

/**
 * What Create's "Connect…" button passes when several servers use the new pair: Connect
 * offers its own pick of just these.
 */
export interface ServerChoice {
  kind: 'servers';
  nodes: ServerNode[];
}

export function isServerChoice(value: unknown): value is ServerChoice {
  const choice = value as Partial<ServerChoice> | undefined;
  return choice?.kind === 'servers' && Array.isArray(choice.nodes) && choice.nodes.every(isServerNode);
}

/** The list the view has loaded. */
export interface KeyPairList {
  /** Every key pair, when all are loaded (no next page); undefined otherwise. */
  completeList(): Promise<KeyPairNode[] | undefined>;
  /** Loads the next page; errors are shown by the list. */
  loadMore(): Promise<void>;
  /**
   * The servers of the listed key pairs with their key pairs, when the list is fresh and
   * complete (see `Inventory.freshServers`); undefined otherwise.
   */
  serverList?(): Promise<ServerNode[] | undefined>;
  /** Check Other Regions read the other regions: the list marks its pairs from them until read again or the target changes. */
  showOtherRegions?(regions: RegionMarks): void;
  /** Copy to Regions did `results`: the marks follow (no new read). */
  copiedToRegions?(pair: PairToCopy, results: readonly CopyResult[]): void;
}

/**
 * What the other regions hold, as the Key Pairs view shows it (worded by Check Other Regions,
 * which loads on first use): the view only places these strings.
 */
export interface RegionMarks {
  /** The regions read and those that could not be, with why (atop the view). */
  readonly summary: string;
  /** The short marks after the fingerprint ("also in ORD"). */
  marks(pair: KeyPair): string[];
  /** The tooltip's rows, label and value. */
  rows(pair: KeyPair): Array<[string, string]>;
  /** A copy happened: the marks follow it. */
  recordCopy(pair: PairToCopy, results: readonly CopyResult[]): void;
}

/** Scheme of the read-only documents Open Public Key shows (the key line is in the query). */
export const PUBLIC_KEY_SCHEME = 'keypairs-public-key';
