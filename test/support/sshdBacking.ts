// Backs the emulator's servers with real sshd processes: one per server, each on its own
// loopback address, with the key pair's public key in its authorized_keys (as cloud-init puts
// it into the image's default user's). Pass it as the emulator's `serverBacking` option.
import type { ServerBacking } from '../emulator/servers';
import { Sshd, SshdOptions, startSshd } from './sshd';

export interface SshdBacking extends ServerBacking {
  serverDeleted(id: string): Promise<void>;
  /** The sshd behind a server, by server id. */
  sshdFor(serverId: string): Sshd | undefined;
  /** All running servers, by server id. */
  readonly servers: ReadonlyMap<string, Sshd>;
  /** Stops every sshd it started. Idempotent. */
  stopAll(): Promise<void>;
}

export type BackedServer = Parameters<ServerBacking['serverCreated']>[0];

export interface SshdBackingOptions extends Omit<SshdOptions, 'address' | 'authorizedKeys'> {
  /** Which servers get an sshd (default: all); the others get the emulator's made-up addresses. */
  shouldBack?(server: BackedServer): boolean;
}

/** One sshd per created server; `options` are passed to each {@link startSshd}. */
export function sshdBacking(options: SshdBackingOptions = {}): SshdBacking {
  const { shouldBack, ...sshdOptions } = options;
  const servers = new Map<string, Sshd>();
  let stopping = false;
  return {
    servers,
    async serverCreated(server) {
      if (stopping) throw new Error('sshdBacking: stopped; no new servers');
      if (shouldBack && !shouldBack(server)) return;
      const sshd = await startSshd({ ...sshdOptions, authorizedKeys: server.publicKey ? [server.publicKey] : [] });
      servers.set(server.id, sshd);
      // Its console (emulator) prints these host keys, as cloud-init prints the image's.
      return { ipv4: sshd.address, hostKeys: sshd.hostPublicKeys };
    },
    async serverDeleted(id) {
      const sshd = servers.get(id);
      servers.delete(id);
      await sshd?.stop();
    },
    sshdFor: (id) => servers.get(id),
    async stopAll() {
      stopping = true;
      const all = [...servers.values()];
      servers.clear();
      await Promise.all(all.map((s) => s.stop()));
    },
  };
}
