/**
 * The decisions of a rotation that need no network: which SSH config entry is a server's own
 * (and so moves to the new key once that server works), which entries still use the old key
 * afterwards, and which deletions the final question may offer. Pure core: no `vscode` import.
 */
import { BlockHead, entriesUsingKey, isServerEntry } from '../../ssh/config/retarget';
import { ConfigBlock } from '../../ssh/config/parse';
import { homeRelative } from '../../ssh/config/paths';
import { ConfigTree, blocksInReadOrder } from '../../ssh/config/tree';
import * as l10n from '../../base/l10n';

/** A block of one config file that names the old key. */
export interface EntryUse {
  /** The config file (a symlink's target). */
  path: string;
  /** The Host/Match line's arguments, '' for lines before the first Host/Match. */
  host: string;
  /** 1-based lines of its IdentityFile options that name the key. */
  lines: number[];
}

function headOf(block: ConfigBlock): BlockHead {
  const hostName = block.options.find((o) => o.keyword === 'hostname')?.args[0];
  return {
    kind: block.kind,
    patterns: block.patterns.map((p) => Buffer.from(p, 'latin1').toString('utf8')),
    ...(hostName !== undefined ? { hostName: Buffer.from(hostName, 'latin1').toString('utf8') } : {}),
  };
}

/**
 * The Host alias the user's config gives a server's address: the first pattern (not a wildcard
 * or a negation) of the first `Host` block, in the order ssh reads the files, whose HostName is
 * `address`. Undefined when there is none (then ssh is given the address itself, and any
 * `Host <address>` block applies as ssh reads it).
 */
export function serverAlias(tree: ConfigTree, address: string): string | undefined {
  const wanted = address.toLowerCase();
  for (const { block } of blocksInReadOrder(tree)) {
    const head = headOf(block);
    if (head.kind !== 'host' || head.hostName?.toLowerCase() !== wanted) continue;
    const alias = head.patterns.find((p) => !/[*?!]/.test(p));
    if (alias !== undefined && alias !== '') return alias;
  }
  return undefined;
}

/**
 * The Host blocks of the tree {@link isServerEntry} picks for `server`, each by its patterns
 * (`key`, as {@link serverEntryFilter} is given them) with the first pattern that is not a
 * wildcard or a negation (`alias`: what `ssh -G` is asked about), in the order ssh reads them.
 */
export function serverEntryBlocks(
  tree: ConfigTree,
  server: { alias?: string; address: string },
): Array<{ key: string; alias: string | undefined }> {
  const out: Array<{ key: string; alias: string | undefined }> = [];
  for (const { block } of blocksInReadOrder(tree)) {
    const head = headOf(block);
    if (!isServerEntry(head, server)) continue;
    out.push({ key: head.patterns.join(' '), alias: head.patterns.find((p) => p !== '' && !/[*?!]/.test(p)) });
  }
  return out;
}

/**
 * The `inBlock` filter that picks a server's own entries (see {@link isServerEntry}); with
 * `only`, just the blocks whose patterns (joined by a space) are in it: the entries that log
 * in where the server was reached (its address, port and user), not another account or port.
 */
export function serverEntryFilter(
  server: { alias?: string; address: string },
  only?: ReadonlySet<string>,
): (head: BlockHead) => boolean {
  return (head) => isServerEntry(head, server) && (only === undefined || only.has(head.patterns.join(' ')));
}

/** Every entry of the tree whose IdentityFile names `file`, file by file. */
export function entriesUsing(
  tree: ConfigTree,
  file: string,
  options: { home?: string; platform?: NodeJS.Platform } = {},
): EntryUse[] {
  return tree.sources.flatMap((source) =>
    entriesUsingKey(Buffer.from(source.text, 'latin1'), file, options).map((e) => ({ path: source.path, ...e })),
  );
}

/** The user's answer in the final question. */
export type DeleteOldDecision = 'keep' | 'delete-pair' | 'delete-pair-and-private-key';

export interface DeletionFacts {
  /** Chosen servers on which the old key may still be needed (not moved to the new key), by name. */
  serversNeedingOldKey: string[];
  /**
   * Chosen servers that may still accept the old key (it is authorized outside
   * ~/.ssh/authorized_keys, or its removal or refusal failed), by name: the rotation is not
   * complete, so nothing of the old pair is offered for deletion (a new Rotate checks again).
   */
  serversStillAccepting?: string[];
  /** Servers of the pair that were not chosen, or have no address, by name. */
  serversNotChosen: string[];
  /** Config entries that still name the old private key. */
  entriesStillUsingOldKey: EntryUse[];
  /** The old private key is one of ssh's default key files (offered to every host that names no key). */
  oldKeyIsDefault?: string;
  /** Other regions of the account that hold the same public key as a key pair; undefined: not known. */
  otherRegions: string[] | undefined;
}

export interface DeletionChoices {
  /** The buttons, by id, in order ('keep' is the dialog's Cancel and always possible). */
  offered: Array<Exclude<DeleteOldDecision, 'keep'>>;
  /** Why an option is missing, one sentence each. */
  withheld: Array<{ decision: Exclude<DeleteOldDecision, 'keep'>; reasons: string[] }>;
}

/**
 * What the final question may offer. Nothing while a chosen server may still accept the old
 * key. Else deleting the cloud pair of this region locks nobody out (a server keeps its
 * authorized_keys), so it is offered. Deleting the old private key
 * file is offered only when nothing may still need it: every chosen server moved to the new
 * key, no server of the pair left out, no config entry still naming it, and the same key known
 * not to be a key pair in another region.
 */
export function deletionChoices(facts: DeletionFacts): DeletionChoices {
  const accepting = facts.serversStillAccepting ?? [];
  if (accepting.length > 0) {
    const reason = l10n.t(
      'Not offered: the old key may still log in to {0}, so the rotation is not complete. Keep the old key pair until it is revoked there, and run Rotate again to check.',
      accepting.join(', '),
    );
    return {
      offered: [],
      withheld: [
        { decision: 'delete-pair', reasons: [reason] },
        { decision: 'delete-pair-and-private-key', reasons: [reason] },
      ],
    };
  }
  const reasons: string[] = [];
  if (facts.serversNeedingOldKey.length > 0) {
    reasons.push(
      l10n.t(
        'Not offered: the old private key still logs in to {0}, which did not move to the new key.',
        facts.serversNeedingOldKey.join(', '),
      ),
    );
  }
  if (facts.serversNotChosen.length > 0) {
    reasons.push(
      l10n.t(
        'Not offered: {0} still use the old key (not chosen for this rotation).',
        facts.serversNotChosen.join(', '),
      ),
    );
  }
  if (facts.entriesStillUsingOldKey.length > 0) {
    reasons.push(
      l10n.t(
        'Not offered: {0} SSH config entries still name the old private key.',
        facts.entriesStillUsingOldKey.length,
      ),
    );
  }
  if (facts.oldKeyIsDefault !== undefined) {
    reasons.push(
      l10n.t(
        "Not offered: {0} is one of ssh's default key files, offered to every host whose entry names no other key.",
        facts.oldKeyIsDefault,
      ),
    );
  }
  if (facts.otherRegions === undefined) {
    reasons.push(l10n.t('Not offered: other regions could not be checked for the same key.'));
  } else if (facts.otherRegions.length > 0) {
    reasons.push(l10n.t('Not offered: the same key is a key pair in {0} too.', facts.otherRegions.join(', ')));
  }
  if (reasons.length === 0) return { offered: ['delete-pair', 'delete-pair-and-private-key'], withheld: [] };
  return { offered: ['delete-pair'], withheld: [{ decision: 'delete-pair-and-private-key', reasons }] };
}

/** ssh's default identity files (`ssh -G` with no IdentityFile), under `~/.ssh`. */
const DEFAULT_KEY_FILES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'];

/** True when `privatePath` is one of ssh's default key files in `home` (any case on Windows). */
export function isDefaultKeyFile(privatePath: string, home: string, platform = process.platform): boolean {
  const rel = homeRelative(privatePath, home, platform);
  const name = platform === 'win32' ? rel?.toLowerCase() : rel;
  return DEFAULT_KEY_FILES.some((file) => name === `.ssh/${file}`);
}
