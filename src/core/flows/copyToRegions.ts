/**
 * Copy to Regions: the same public key imported under the same name into other regions of the
 * account. What each region already holds is read first; a region where a different pair has
 * the name is never touched (nothing is overwritten or deleted, ever). No `vscode` import.
 */
import { ApiError } from '../api/errors';
import type { ComputeClient, KeyPair } from '../api/compute';
import { parsePublicKey } from '../keys/publicKey';

export interface RegionTarget {
  region: string;
  compute: ComputeClient;
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
    if (error instanceof ApiError && error.kind === 'conflict') return { kind: 'name-taken' };
    return { kind: 'failed', error };
  }
}
