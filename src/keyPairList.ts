/**
 * What the commands and the Key Pairs view share about listed key pairs, so that neither
 * imports the other: the node a view command receives, and the list the view keeps
 * (registered on Services by the view; commands reach it only through Services).
 */
import type { KeyPair } from './api/compute';
import type { LocalKey } from './flows/localKeys';

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

export type KeyPairsViewNode = KeyPairNode | MoreNode;

export function isKeyPairNode(value: unknown): value is KeyPairNode {
  const node = value as Partial<KeyPairNode> | undefined;
  return node?.kind === 'keypair' && typeof node.keyPair?.name === 'string';
}

/** The list the view has loaded. */
export interface KeyPairList {
  /** Every key pair, when all are loaded (no next page); undefined otherwise. */
  completeList(): Promise<KeyPairNode[] | undefined>;
  /** Loads the next page; errors are shown by the list. */
  loadMore(): Promise<void>;
}

/** Scheme of the read-only documents Open Public Key shows (the key line is in the query). */
export const PUBLIC_KEY_SCHEME = 'keypairs-public-key';
