/**
 * The server's console output (cloud-init prints the host keys there at first boot), read when
 * a host key must be verified: its own module, so the view's server list (api/servers.ts, loaded
 * at activation) does not carry it.
 */
import { ConsoleHostKeys, parseConsoleHostKeys } from '../servers/consoleHostKeys';
import { ComputeClient } from './compute';
import { ApiError } from './errors';
import { isObject, usableId } from './servers';

/** Why the console could not be read (from the typed {@link ApiError} of {@link getConsoleOutput}). */
export type ConsoleProblem =
  /** 404 `Instance … could not be found.`: gone, or not this project's. */
  | 'server-not-found'
  /** 404 `Guest does not have a console available.` */
  | 'no-console'
  /** 409: no compute host yet (building) or in a state that has none (error). */
  | 'not-ready'
  /** 501: the hypervisor driver keeps no console log. */
  | 'not-supported'
  /** 403: the cloud's policy does not let this user read consoles. */
  | 'forbidden';

/**
 * The server's console log, `POST /servers/{id}/action` `{"os-getConsoleOutput": {"length": N}}`:
 * the last `length` lines (Nova keeps the last N pieces of the log split on `\n`), or all of it
 * without `length`. Throws {@link ApiError}: `not-found` (404, see {@link consoleProblem}),
 * `conflict` (409), `forbidden`, `bad-request`, `server-error` (501 among them), `bad-response`
 * (no `output` string), `response-too-large` (beyond the HTTP client's cap), and the transport's.
 */
export async function getConsoleOutput(
  compute: ComputeClient,
  serverId: string,
  options: { length?: number; signal?: AbortSignal } = {},
): Promise<string> {
  const id = usableId(serverId);
  const path = `/servers/${encodeURIComponent(serverId)}/action`;
  if (id === undefined) {
    throw new ApiError({ kind: 'not-found', method: 'POST', url: compute.endpoint + '/servers/…/action' });
  }
  const action: { length?: number } = {};
  if (options.length !== undefined) action.length = Math.max(0, Math.floor(options.length));
  const body = await compute.postJson(path, { 'os-getConsoleOutput': action }, { signal: options.signal, item: true });
  if (!isObject(body) || typeof body.output !== 'string') {
    throw new ApiError({ kind: 'bad-response', method: 'POST', url: compute.endpoint + path, code: 'missing output' });
  }
  return body.output;
}

/** What a failed {@link getConsoleOutput} means for reading host keys; undefined for any other error. */
export function consoleProblem(err: unknown): ConsoleProblem | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (err.kind === 'not-found') {
    return /console/i.test(err.serverMessage ?? '') ? 'no-console' : 'server-not-found';
  }
  if (err.kind === 'conflict') return 'not-ready';
  if (err.kind === 'forbidden') return 'forbidden';
  if (err.status === 501) return 'not-supported';
  return undefined;
}

/** Lines asked for first: a whole first boot of a cloud image (kernel, systemd, cloud-init) is 300–1,000. */
export const CONSOLE_FIRST_LINES = 1000;
/** Lines asked for the second time (at about 80 characters a line, within the HTTP client's 1 MiB cap). */
export const CONSOLE_MORE_LINES = 10_000;

export type ConsoleHostKeysRead =
  | (ConsoleHostKeys & { requests: number })
  /** The console could not be read; nothing to verify against. */
  | { status: 'unavailable'; problem: ConsoleProblem; requests: number };

/**
 * The host keys the server's console lists (see `parseConsoleHostKeys`). Asks for the last
 * {@link CONSOLE_FIRST_LINES} lines, and once more for {@link CONSOLE_MORE_LINES} when that
 * text holds only part of a block, or no block but as many lines as asked for (the block may
 * be further back, behind later boots). A console that cannot be read for a known reason (gone,
 * building, no console, not allowed) is `unavailable`; other errors (network, token, a
 * cancel) are thrown as {@link ApiError}.
 */
export async function readHostKeysFromConsole(
  compute: ComputeClient,
  serverId: string,
  options: { signal?: AbortSignal; firstLines?: number; moreLines?: number } = {},
): Promise<ConsoleHostKeysRead> {
  const lengths = [options.firstLines ?? CONSOLE_FIRST_LINES, options.moreLines ?? CONSOLE_MORE_LINES];
  let result: ConsoleHostKeys = { status: 'none', ignoredLines: 0 };
  let requests = 0;
  for (const length of lengths) {
    let text: string;
    try {
      requests++;
      text = await getConsoleOutput(compute, serverId, { length, signal: options.signal });
    } catch (err) {
      const problem = consoleProblem(err);
      if (problem === undefined) throw err;
      return { status: 'unavailable', problem, requests };
    }
    result = parseConsoleHostKeys(text);
    // Nova answers `length` pieces when the log has that many: the block may lie further back.
    const mayBeLonger = text.split('\n').length >= length;
    if (result.status !== 'truncated' && !(result.status === 'none' && mayBeLonger)) break;
  }
  return { ...result, requests };
}
