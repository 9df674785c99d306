/**
 * Copy to Regions: the same public key imported under the same name into other regions of the
 * account. What each region already holds is read first; a region where a different pair has
 * the name is never touched (nothing is overwritten or deleted, ever). No `vscode` import.
 */
import { ApiError } from '../api/errors';
import type { ComputeClient, KeyPair } from '../api/compute';
import { parsePublicKey } from '../keys/publicKey';
import { isKeyRefused } from './createKeyPair';
import * as l10n from '../base/l10n';
import { UserSafeError } from '../base/userSafe';

export interface RegionTarget {
  region: string;
  compute: ComputeClient;
}

/**
 * The catalog's Compute regions other than `here`: not `here` itself, nor another name for
 * the same Compute endpoint (a catalog may list one endpoint under "DFW" and "dfw"; reading it
 * as another region would mark every pair as "also" there).
 */
export function otherComputeRegions<R extends { region: string; url: string }>(
  regions: readonly R[],
  here: string | undefined,
): R[] {
  const norm = (url: string) => url.replace(/\/+$/, '').toLowerCase();
  const hereUrls = new Set(regions.filter((r) => r.region === here).map((r) => norm(r.url)));
  return regions.filter((r) => r.region !== here && !hereUrls.has(norm(r.url)));
}

/**
 * The pair's public key, as the server lists it, is not one this extension can read (empty, or
 * not an OpenSSH key): it is copied nowhere. Nova treats an empty public key as "generate one",
 * which would put a new key, whose private half nobody has, under the name.
 */
export class UncopyablePublicKeyError extends UserSafeError {
  override name = 'UncopyablePublicKeyError';

  constructor(readonly keyPairName: string) {
    super(l10n.t('The public key of "{0}" as the server lists it cannot be read, so it was not copied.', keyPairName));
  }
}

/** What a region holds for the pair, before copying. */
export type RegionHolding =
  /** Neither the name nor the key: it can be copied. */
  | { kind: 'free' }
  /** The key is there under another name (`names`): the name is free, copying adds a second pair. */
  | { kind: 'key-elsewhere'; names: string[] }
  /** This very pair (same name, same public key) is already there. */
  | { kind: 'same' }
  /** A different key has the name: never overwritten. */
  | { kind: 'name-taken'; fingerprint: string }
  /** The region's pairs could not be read. */
  | { kind: 'unknown'; error: unknown };

export interface RegionState {
  region: string;
  holding: RegionHolding;
}

/** What copying did in one region. */
export type CopyOutcome =
  | { kind: 'copied'; fingerprint: string }
  | { kind: 'already-there' }
  | { kind: 'name-taken'; fingerprint?: string }
  /** The region's Nova refuses this type of key (an older Nova and ed25519): nothing was created. */
  | { kind: 'key-type-refused'; keyType: string }
  | { kind: 'failed'; error: unknown };

export interface CopyResult {
  region: string;
  outcome: CopyOutcome;
}

export interface PairToCopy {
  name: string;
  publicKey: string;
}

/** The key data of a public key line (type and blob), for comparing; undefined when unreadable. */
function keyBlob(line: string): string | undefined {
  try {
    return parsePublicKey(line, 'server').blob.toString('base64');
  } catch {
    return undefined;
  }
}

function holdingOf(pairs: KeyPair[], pair: PairToCopy, ours: string | undefined): RegionHolding {
  const named = pairs.find((p) => p.name === pair.name);
  if (named) {
    return ours !== undefined && keyBlob(named.publicKey) === ours
      ? { kind: 'same' }
      : { kind: 'name-taken', fingerprint: named.fingerprint };
  }
  const names = pairs.filter((p) => ours !== undefined && keyBlob(p.publicKey) === ours).map((p) => p.name);
  return names.length ? { kind: 'key-elsewhere', names } : { kind: 'free' };
}

/** Reads, in parallel, what each region holds for `pair` (its name, its public key). */
export async function regionStates(
  targets: readonly RegionTarget[],
  pair: PairToCopy,
  signal?: AbortSignal,
): Promise<RegionState[]> {
  const ours = keyBlob(pair.publicKey);
  return Promise.all(
    targets.map(async (t): Promise<RegionState> => {
      try {
        return { region: t.region, holding: holdingOf(await t.compute.listAll({ signal }), pair, ours) };
      } catch (error) {
        if (error instanceof ApiError && error.kind === 'cancelled') throw error;
        return { region: t.region, holding: { kind: 'unknown', error } };
      }
    }),
  );
}

/**
 * Imports `pair` into each target, one region after the other. A region is looked at again just
 * before: the same pair there is 'already-there', a different pair with the name 'name-taken'
 * (left alone); a 409 on import (taken meanwhile) is 'name-taken' too.
 */
export async function copyToRegions(
  targets: readonly RegionTarget[],
  pair: PairToCopy,
  options: { signal?: AbortSignal; log?(line: string): void } = {},
): Promise<CopyResult[]> {
  const ours = keyBlob(pair.publicKey);
  const results: CopyResult[] = [];
  if (ours === undefined) {
    const error = new UncopyablePublicKeyError(pair.name);
    return targets.map((t) => ({ region: t.region, outcome: { kind: 'failed', error } }));
  }
  for (const t of targets) {
    results.push({ region: t.region, outcome: await copyOne(t, pair, ours, options) });
  }
  return results;
}

async function copyOne(
  t: RegionTarget,
  pair: PairToCopy,
  ours: string | undefined,
  options: { signal?: AbortSignal; log?(line: string): void },
): Promise<CopyOutcome> {
  try {
    const existing = await t.compute.get(pair.name, options.signal);
    if (existing) {
      const same = existing.name === pair.name && ours !== undefined && keyBlob(existing.publicKey) === ours;
      if (same) return { kind: 'already-there' };
      options.log?.(`"${pair.name}" in ${t.region} is another key (${existing.fingerprint}): left alone`);
      return { kind: 'name-taken', fingerprint: existing.fingerprint };
    }
    const created = await t.compute.create(pair.name, { publicKey: pair.publicKey, signal: options.signal });
    options.log?.(`copied "${pair.name}" to ${t.region} (${created.fingerprint})`);
    return { kind: 'copied', fingerprint: created.fingerprint };
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'cancelled') throw error;
    if (isKeyRefused(error)) {
      const keyType = pair.publicKey.trim().split(/\s+/)[0] ?? '';
      options.log?.(`${t.region} refuses the ${keyType} key of "${pair.name}"`);
      return { kind: 'key-type-refused', keyType };
    }
    const conflict = error instanceof ApiError && error.kind === 'conflict';
    if (!conflict && !(error instanceof ApiError && error.ambiguous)) return { kind: 'failed', error };
    // Taken meanwhile (409), or the answer lost after the import may have been carried out:
    // what the region holds now says which (another window may have copied this very key).
    let now: KeyPair | undefined;
    try {
      now = (await t.compute.get(pair.name, options.signal)) ?? undefined;
    } catch (lookError) {
      if (lookError instanceof ApiError && lookError.kind === 'cancelled') throw lookError;
      return conflict ? { kind: 'name-taken' } : { kind: 'failed', error };
    }
    if (now && ours !== undefined && keyBlob(now.publicKey) === ours) {
      options.log?.(
        `"${pair.name}" in ${t.region} is this key, found after ${conflict ? 'a conflict' : 'an unclear answer'}`,
      );
      return conflict ? { kind: 'already-there' } : { kind: 'copied', fingerprint: now.fingerprint };
    }
    if (now) return { kind: 'name-taken', fingerprint: now.fingerprint };
    return conflict ? { kind: 'name-taken' } : { kind: 'failed', error };
  }
}

/** One other region's key pairs as read by {@link readOtherRegions}, or why they could not be read. */
export type RegionRead = { region: string; pairs: KeyPair[] } | { region: string; error: unknown };

/** Where a pair of this region also is, by public key and by name, in the other regions read. */
export interface PairElsewhere {
  /** Regions holding the same public key, with the names it has there (this pair's name first when it is one). */
  sameKey: Array<{ region: string; names: string[] }>;
  /** Regions where a different key has this pair's name: a pair that is not this one. */
  sameNameOtherKey: Array<{ region: string; fingerprint: string }>;
  /** Regions whose key pairs could not be read (nothing is known there). */
  unread: string[];
}

interface Held {
  name: string;
  blob?: string;
  fingerprint: string;
}

/**
 * What the account's other regions hold, read once (Check Other Regions) and kept until the
 * user asks again or the target changes; the Key Pairs view marks each pair from it. A copy made
 * in this window is recorded ({@link recordCopy}), so the marks stay true without a new read.
 */
export class OtherRegions {
  private readonly held = new Map<string, Held[]>();
  private readonly failures: Array<{ region: string; error: unknown }> = [];

  /**
   * When the regions were read. Another window (or client) may delete or copy after it: the
   * marks are what was read then, and are shown as such, with this time.
   */
  readonly readAt: Date;

  constructor(reads: readonly RegionRead[], readAt: Date = new Date()) {
    this.readAt = readAt;
    for (const r of reads) {
      if ('pairs' in r) {
        this.held.set(
          r.region,
          r.pairs.map((p) => ({ name: p.name, blob: keyBlob(p.publicKey), fingerprint: p.fingerprint })),
        );
      } else {
        this.failures.push({ region: r.region, error: r.error });
      }
    }
  }

  /** The regions read, in the order asked. */
  get regions(): string[] {
    return [...this.held.keys()];
  }

  /** The regions that could not be read, each with its error. */
  get failed(): ReadonlyArray<{ region: string; error: unknown }> {
    return this.failures;
  }

  /** Where `pair` (a pair of this region) also is. */
  of(pair: PairToCopy): PairElsewhere {
    const ours = keyBlob(pair.publicKey);
    const result: PairElsewhere = { sameKey: [], sameNameOtherKey: [], unread: this.failures.map((f) => f.region) };
    for (const [region, pairs] of this.held) {
      const names = pairs.filter((p) => ours !== undefined && p.blob === ours).map((p) => p.name);
      if (names.length > 0) {
        names.sort((a, b) => Number(b === pair.name) - Number(a === pair.name));
        result.sameKey.push({ region, names });
      }
      const named = pairs.find((p) => p.name === pair.name);
      if (named && (ours === undefined || named.blob !== ours)) {
        result.sameNameOtherKey.push({ region, fingerprint: named.fingerprint });
      }
    }
    return result;
  }

  /**
   * What a Copy to Regions did, as the regions now hold it: a copied pair (or one found already
   * there) is in its region under its name; a region found to hold another key of that name
   * keeps that key. Regions not read before stay unread.
   */
  recordCopy(pair: PairToCopy, results: readonly CopyResult[]): void {
    const blob = keyBlob(pair.publicKey);
    for (const { region, outcome } of results) {
      const pairs = this.held.get(region);
      if (!pairs) continue;
      const others = pairs.filter((p) => p.name !== pair.name);
      if (outcome.kind === 'copied' || outcome.kind === 'already-there') {
        const fingerprint = outcome.kind === 'copied' ? outcome.fingerprint : '';
        this.held.set(region, [...others, { name: pair.name, blob, fingerprint }]);
      } else if (outcome.kind === 'name-taken' && !pairs.some((p) => p.name === pair.name)) {
        // Taken meanwhile by another client: its key is not known, only that it is not ours.
        this.held.set(region, [...others, { name: pair.name, fingerprint: outcome.fingerprint ?? '' }]);
      }
    }
  }
}

/**
 * Reads every target region's key pairs, in parallel. A region that fails is kept as such
 * (named, with its error), never dropped; only the user's Cancel stops the whole read.
 */
export async function readOtherRegions(targets: readonly RegionTarget[], signal?: AbortSignal): Promise<OtherRegions> {
  const reads = await Promise.all(
    targets.map(async (t): Promise<RegionRead> => {
      try {
        return { region: t.region, pairs: await t.compute.listAll({ signal }) };
      } catch (error) {
        if (error instanceof ApiError && error.kind === 'cancelled') throw error;
        return { region: t.region, error };
      }
    }),
  );
  return new OtherRegions(reads);
}
