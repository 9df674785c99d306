// In-memory server state: key pairs (per user and scope) and issued tokens.
import * as crypto from 'node:crypto';
import { ResolvedOptions, ResolvedUser, novaTimestamp } from './common';
import { derivedEd25519PublicKey } from './sshkeys';
import { must } from '../support/must';

/** Scope of Nova-style (`/v2.1`) key pairs; Rackspace-style ones use the region code. */
export const NOVA_SCOPE = 'v2.1';

export interface StoredKeyPair {
  id: number;
  name: string;
  public_key: string;
  fingerprint: string;
  type: string;
  created_at: string;
  user_id: string;
  scope: string;
}

export interface IssuedToken {
  id: string;
  userId: string;
  kind: 'rax' | 'keystone';
  issuedAt: number;
  expiresAt: number;
  scoped: boolean;
  methods: string[];
}

function sortKeyCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class KeyPairStore {
  private readonly byScope = new Map<string, Map<string, StoredKeyPair>>();
  private readonly sortedCache = new Map<string, StoredKeyPair[]>();
  private nextId = 1;

  private static key(userId: string, scope: string): string {
    return `${userId}\u0000${scope}`;
  }

  private bucket(userId: string, scope: string, create: boolean): Map<string, StoredKeyPair> | undefined {
    const k = KeyPairStore.key(userId, scope);
    let b = this.byScope.get(k);
    if (!b && create) {
      b = new Map();
      this.byScope.set(k, b);
    }
    return b;
  }

  get(userId: string, scope: string, name: string): StoredKeyPair | undefined {
    return this.bucket(userId, scope, false)?.get(name);
  }

  /**
   * The pair named `name`; with `ignoreCase` (a database whose collation ignores case) also
   * one whose name differs only in case.
   */
  lookup(userId: string, scope: string, name: string, ignoreCase: boolean): StoredKeyPair | undefined {
    const exact = this.get(userId, scope, name);
    if (exact || !ignoreCase) return exact;
    const folded = name.toLowerCase();
    for (const kp of this.bucket(userId, scope, false)?.values() ?? []) if (kp.name.toLowerCase() === folded) return kp;
    return undefined;
  }

  count(userId: string, scope: string): number {
    return this.bucket(userId, scope, false)?.size ?? 0;
  }

  /** Sorted by name (code-point order). Cached until the next change. */
  list(userId: string, scope: string): StoredKeyPair[] {
    const k = KeyPairStore.key(userId, scope);
    const cached = this.sortedCache.get(k);
    if (cached) return cached;
    const b = this.byScope.get(k);
    const arr = b ? [...b.values()].sort((x, y) => sortKeyCompare(x.name, y.name)) : [];
    this.sortedCache.set(k, arr);
    return arr;
  }

  add(kp: Omit<StoredKeyPair, 'id'>): StoredKeyPair {
    const stored: StoredKeyPair = { id: this.nextId++, ...kp };
    this.bucket(kp.user_id, kp.scope, true)!.set(kp.name, stored);
    this.sortedCache.delete(KeyPairStore.key(kp.user_id, kp.scope));
    return stored;
  }

  delete(userId: string, scope: string, name: string): boolean {
    const b = this.bucket(userId, scope, false);
    if (!b || !b.delete(name)) return false;
    this.sortedCache.delete(KeyPairStore.key(userId, scope));
    return true;
  }

  clear(): void {
    this.byScope.clear();
    this.sortedCache.clear();
  }

  /** All stored pairs, optionally for one user and/or scope. */
  all(userId?: string, scope?: string): StoredKeyPair[] {
    const out: StoredKeyPair[] = [];
    for (const k of this.byScope.keys()) {
      const [user, sc] = k.split('\u0000');
      const u = must(user, `the user of key ${JSON.stringify(k)}`);
      const s = must(sc, `the scope of key ${JSON.stringify(k)}`);
      if (userId !== undefined && u !== userId) continue;
      if (scope !== undefined && s !== scope) continue;
      out.push(...this.list(u, s));
    }
    return out;
  }

  /** Inserts `count` pairs quickly (derived ed25519 public keys, no RSA generation). Ignores quota. */
  seed(count: number, userId: string, scope: string, prefix: string): number {
    const width = Math.max(5, String(count).length);
    const b = this.bucket(userId, scope, true)!;
    const created = novaTimestamp();
    let added = 0;
    for (let i = 1; i <= count; i++) {
      const name = `${prefix}${String(i).padStart(width, '0')}`;
      if (b.has(name)) continue;
      const { publicKey, fingerprint } = derivedEd25519PublicKey(`${userId}/${scope}/${name}`);
      b.set(name, {
        id: this.nextId++,
        name,
        public_key: publicKey,
        fingerprint,
        type: 'ssh',
        created_at: created,
        user_id: userId,
        scope,
      });
      added++;
    }
    this.sortedCache.delete(KeyPairStore.key(userId, scope));
    return added;
  }
}

export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  issue(kind: 'rax' | 'keystone', userId: string, ttlSeconds: number, scoped: boolean, methods: string[]): IssuedToken {
    const id =
      kind === 'rax'
        ? crypto.randomBytes(16).toString('hex')
        : 'gAAAAAB' + crypto.randomBytes(120).toString('base64url');
    const now = Date.now();
    const t: IssuedToken = { id, userId, kind, issuedAt: now, expiresAt: now + ttlSeconds * 1000, scoped, methods };
    this.tokens.set(id, t);
    return t;
  }

  /** A live (unexpired) token, or undefined. */
  live(id: string): IssuedToken | undefined {
    const t = this.tokens.get(id);
    if (!t) return undefined;
    if (Date.now() >= t.expiresAt) return undefined;
    return t;
  }

  expireAll(): void {
    const past = Date.now() - 1000;
    for (const t of this.tokens.values()) t.expiresAt = past;
  }

  clear(): void {
    this.tokens.clear();
  }

  get size(): number {
    return this.tokens.size;
  }
}

export function findUserById(opts: ResolvedOptions, userId: string): ResolvedUser | undefined {
  return opts.users.find((u) => u.userId === userId);
}

/** The user that static tokens act as: the first configured user. */
export function staticUser(opts: ResolvedOptions): ResolvedUser {
  return (
    opts.users[0] ?? {
      username: 'sandbox',
      tenantId: 'sandbox',
      userId: 'sandbox-user',
      defaultRegion: opts.regions[0] ?? 'RegionOne',
      mfa: false,
      disabled: false,
      domain: 'Default',
      project: 'sandbox',
    }
  );
}
