/**
 * Servers grouped by the key pair they were booted with (`key_name`), from one read of the
 * servers list per refresh. Linear in the number of servers. No `vscode` import.
 */

export interface KeyedServer {
  keyName: string | null;
}

export interface ServersByKey<T extends KeyedServer> {
  /** Key pair name → its servers, in list order. Only names that occur are present. */
  byKey: Map<string, T[]>;
  /** Servers booted without a key pair. */
  withoutKey: T[];
}

/** Groups servers by `keyName` in one pass (the list order is kept inside each group). */
export function groupServersByKey<T extends KeyedServer>(servers: readonly T[]): ServersByKey<T> {
  const byKey = new Map<string, T[]>();
  const withoutKey: T[] = [];
  for (const server of servers) {
    if (server.keyName === null) {
      withoutKey.push(server);
      continue;
    }
    const list = byKey.get(server.keyName);
    if (list) list.push(server);
    else byKey.set(server.keyName, [server]);
  }
  return { byKey, withoutKey };
}

/** The servers of one key pair (an empty list when none use it). */
export function serversOfKey<T extends KeyedServer>(grouped: ServersByKey<T>, keyName: string): readonly T[] {
  return grouped.byKey.get(keyName) ?? [];
}
