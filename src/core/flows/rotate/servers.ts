/**
 * Which servers a rotation offers, and as which user: the servers of the account booted with
 * the old pair, each at its best address, with the login user the SSH config already gives
 * for that address (Connect's entry) or else the one guessed from its image. Pure core: no
 * `vscode` import; the shell shows the result in a pick (./ask.ts).
 */
import type { ComputeClient } from '../../api/compute';
import { getImageLoginHints, listServers } from '../../api/servers';
import { chooseAddress } from '../../servers/addresses';
import { groupServersByKey, serversOfKey } from '../../servers/group';
import { guessServerLoginUser } from '../../servers/loginUser';
import { readConfigFile } from '../../ssh/config/file';
import { loginUsersFor } from '../../ssh/config/retarget';
import type { RotationServer } from './run';

/**
 * The login users the SSH config files already give for hosts that use `privatePath` (what
 * Connect wrote, or the user), by lower-cased HostName; the first file that names a host wins.
 * An unreadable file tells nothing (`warn` hears why).
 */
export async function configuredUsers(
  configPaths: readonly string[],
  privatePath: string,
  home: string,
  warn: (line: string) => void = () => undefined,
): Promise<Map<string, string>> {
  const users = new Map<string, string>();
  for (const file of configPaths) {
    try {
      const read = await readConfigFile(file);
      if (!read) continue;
      for (const [host, user] of loginUsersFor(read.content.toString('utf8'), privatePath, home)) {
        if (!users.has(host)) users.set(host, user);
      }
    } catch (err) {
      warn(`rotate: could not read ${file} for login users: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return users;
}

/** The servers of the old pair: those the pick offers, and those that have no address. */
export interface RotationCandidates {
  /** Each at its best address; `target.user` is '' when no user is known (the pick asks). */
  usable: RotationServer[];
  /** Servers of the pair without an address (they can't be reached and may still need the old key), by name. */
  unreachable: string[];
}

/**
 * The servers of the account booted with `keyName` (one server list). The user of a server is
 * the one `known` gives for its address, else the one guessed from its image and the account's
 * `provider` (see ../../servers/loginUser.ts), else ''. A failed image read is no guess; a
 * cancel (`signal`) and a failed server list are thrown.
 */
export async function rotationCandidates(
  compute: ComputeClient,
  keyName: string,
  options: { known: ReadonlyMap<string, string>; provider?: string; signal?: AbortSignal },
): Promise<RotationCandidates> {
  const { known, provider, signal } = options;
  const list = await listServers(compute, { signal });
  const usable: RotationServer[] = [];
  const unreachable: string[] = [];
  for (const server of serversOfKey(groupServersByKey(list.servers), keyName)) {
    const best = chooseAddress(server.addresses).best;
    if (!best) {
      unreachable.push(server.name);
      continue;
    }
    // The user the SSH config already logs in as (Connect's entry) comes first.
    const user =
      known.get(best.ip.toLowerCase()) ??
      (
        await guessServerLoginUser(server, {
          provider,
          signal,
          readHints: (imageId, s) => getImageLoginHints(compute, imageId, { signal: s }),
        })
      )?.user ??
      '';
    usable.push({ id: server.id, name: server.name, target: { host: best.ip, user }, address: best });
  }
  return { usable, unreachable };
}

/**
 * The servers not given the new key, by name: the candidates left unchecked, then those
 * without an address (for the summary and the deletion rules).
 */
export function serversNotChosen(candidates: RotationCandidates, chosen: readonly RotationServer[]): string[] {
  const ids = new Set(chosen.map((s) => s.id));
  return [...candidates.usable.filter((s) => !ids.has(s.id)).map((s) => s.name), ...candidates.unreachable];
}
