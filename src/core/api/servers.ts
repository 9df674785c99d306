/**
 * Servers of the Compute API (`GET /servers/detail`, paged) and the login hints of their images
 * (Compute's image proxy `GET /images/{id}` below 2.36, or the Image service `GET /v2/images/{id}`).
 * The server is not trusted: every entry is normalised field by field; an entry that cannot be a
 * server is skipped and counted, never thrown for; the paging stops when a page repeats, the marker
 * does not move, or the list grows past a cap. No `vscode` import.
 */
import { ServerAddress, extractAddresses } from '../servers/addresses';
import { ImageHints } from '../servers/loginUser';
import { compareVersions } from '../base/microversion';
import { ComputeClient } from './compute';
import { ApiError } from './errors';

export interface Server {
  id: string;
  /** Display text: control and format characters replaced by spaces, at most 255 characters. */
  name: string;
  /** Upper-case Nova status (ACTIVE, BUILD, SHUTOFF, ERROR…); 'UNKNOWN' when missing or odd. */
  status: string;
  /** The key pair it was booted with, exactly as the server names it; null: none. */
  keyName: string | null;
  /** Usable addresses, best first (see src/core/servers/addresses.ts). */
  addresses: ServerAddress[];
  /** Undefined when booted from a volume (`image: ""`) or unknown. */
  imageId?: string;
  bootedFromVolume: boolean;
  /** `id` before microversion 2.47, `name` (original_name) from 2.47 on. */
  flavor?: { id?: string; name?: string };
  /** String values only. */
  metadata: Record<string, string>;
  vmState?: string;
  taskState?: string;
  powerState?: number;
  created?: string;
  updated?: string;
}

export type ListIncomplete =
  /** A page held only servers already seen (a server that ignores the marker). */
  | 'page-repeated'
  /** The next marker was the one just used. */
  | 'marker-stuck'
  /** More than `maxServers` servers or `maxPages` pages: the rest was not read. */
  | 'too-many';

export interface ServerList {
  servers: Server[];
  /** Entries that could not be servers (not an object, no usable id) and were left out. */
  skipped: number;
  /** Set when the list was cut short; the servers read so far are still returned. */
  incomplete?: ListIncomplete;
  pages: number;
}

/** Options of {@link listServers}; each number defaults to {@link LIST_DEFAULTS}. */
export interface ListServersOptions {
  /** Aborts the page being read; the list rejects with the abort. */
  signal?: AbortSignal;
  /** `limit` per request. A page too large is asked again at half the size. */
  pageSize?: number;
  /** Stop after this many servers. */
  maxServers?: number;
  /** Stop after this many pages. */
  maxPages?: number;
}

/**
 * pageSize 500: a page must fit the HTTP client's answer cap (1 MiB by default) and a detailed
 * server takes 1.5–5 KB.
 */
const LIST_DEFAULTS = { pageSize: 500, maxServers: 20_000, maxPages: 200 };
/** Below this, a page that is still too large is an error (a server that lies about its size). */
const MIN_PAGE_SIZE = 10;
const MAX_TEXT = 255;
const MAX_METADATA = 128;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Server text made safe to show: no control/format/line-separator characters, bounded length. */
export function displayText(value: string, max = MAX_TEXT): string {
  const clean = value.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ');
  return [...clean].slice(0, max).join('');
}

/** An id the client can use in a URL and compare: a non-empty printable string without spaces. */
export function usableId(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) return undefined;
  return /^[^\p{Cc}\p{Cf}\p{Z}/?#]+$/u.test(value) ? value : undefined;
}

function optionalString(v: unknown, max = MAX_TEXT): string | undefined {
  return typeof v === 'string' && v !== '' ? displayText(v, max) : undefined;
}

/** One server entry as the client uses it, or undefined when it cannot be a server. Never throws. */
export function normalizeServer(entry: unknown): Server | undefined {
  if (!isObject(entry)) return undefined;
  const id = usableId(entry.id);
  if (id === undefined) return undefined;
  const rawName = typeof entry.name === 'string' ? displayText(entry.name).trim() : '';
  const rawStatus = typeof entry.status === 'string' ? entry.status.toUpperCase() : '';
  const keyName =
    typeof entry.key_name === 'string' && entry.key_name !== '' && entry.key_name.length <= MAX_TEXT
      ? entry.key_name
      : null;
  const image = entry.image;
  const imageId = isObject(image) ? usableId(image.id) : undefined;
  let flavor: Server['flavor'];
  if (isObject(entry.flavor)) {
    const f = { id: usableId(entry.flavor.id), name: optionalString(entry.flavor.original_name) };
    if (f.id !== undefined || f.name !== undefined) flavor = f;
  }
  const metadata: Record<string, string> = {};
  if (isObject(entry.metadata)) {
    for (const [k, v] of Object.entries(entry.metadata).slice(0, MAX_METADATA)) {
      if (typeof v === 'string') metadata[displayText(k)] = displayText(v, 1024);
    }
  }
  const power = entry['OS-EXT-STS:power_state'];
  return {
    id,
    name: rawName || id,
    status: /^[A-Z_]{1,32}$/.test(rawStatus) ? rawStatus : 'UNKNOWN',
    keyName,
    addresses: extractAddresses(entry),
    imageId,
    bootedFromVolume: image === '' || image === null,
    flavor,
    metadata,
    vmState: optionalString(entry['OS-EXT-STS:vm_state'], 64),
    taskState: optionalString(entry['OS-EXT-STS:task_state'], 64),
    powerState: typeof power === 'number' && Number.isInteger(power) ? power : undefined,
    created: optionalString(entry.created, 64),
    updated: optionalString(entry.updated, 64),
  };
}

/**
 * The marker of the next page, or undefined on the last page. Only the `marker` of the server's
 * `next` link is used, never the link itself (it could name another host, which must not get the
 * token); a link without one continues after the last server of the page.
 */
function nextMarker(links: unknown, base: string, lastId: string | undefined): string | undefined {
  if (!Array.isArray(links)) return undefined;
  const next: unknown = links.find((l: unknown) => isObject(l) && l.rel === 'next');
  if (!isObject(next)) return undefined;
  if (typeof next.href === 'string') {
    try {
      const marker = usableId(new URL(next.href, base).searchParams.get('marker') ?? undefined);
      if (marker !== undefined) return marker;
    } catch {
      /* an unparseable link: continue after the last server */
    }
  }
  return lastId;
}

/**
 * Guard of a paged listing, the same protections as the key pair listing: stop when a page brings
 * nothing new, when the marker does not move, and past a cap. Kept separate so it can be swapped
 * for the shared guard of src/core/api/compute.ts.
 */
class PageGuard {
  private readonly markers = new Set<string>();
  pages = 0;
  constructor(private readonly maxPages: number) {}

  /** Why to stop before asking for the page after `marker`, or undefined to go on. */
  check(marker: string | undefined, freshOnPage: number, pageLength: number): ListIncomplete | 'done' | undefined {
    if (marker === undefined || pageLength === 0) return 'done';
    if (freshOnPage === 0) return 'page-repeated';
    if (this.markers.has(marker)) return 'marker-stuck';
    this.markers.add(marker);
    if (this.pages >= this.maxPages) return 'too-many';
    return undefined;
  }
}

/** Every server of the endpoint (the current region), over all pages. */
export async function listServers(compute: ComputeClient, options: ListServersOptions = {}): Promise<ServerList> {
  let pageSize = Math.max(1, Math.floor(options.pageSize ?? LIST_DEFAULTS.pageSize));
  const maxServers = options.maxServers ?? LIST_DEFAULTS.maxServers;
  const guard = new PageGuard(options.maxPages ?? LIST_DEFAULTS.maxPages);
  const servers: Server[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  let marker: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (marker !== undefined) query.set('marker', marker);
    const path = `/servers/detail?${query.toString()}`;
    let body: unknown;
    try {
      body = await compute.getJson(path, { signal: options.signal });
    } catch (err) {
      if (!(err instanceof ApiError && err.kind === 'response-too-large' && pageSize > MIN_PAGE_SIZE)) throw err;
      pageSize = Math.max(MIN_PAGE_SIZE, Math.floor(pageSize / 2));
      continue;
    }
    guard.pages++;
    if (!isObject(body) || !Array.isArray(body.servers)) {
      const url = compute.endpoint + '/servers/detail';
      throw new ApiError({ kind: 'bad-response', method: 'GET', url, code: 'missing servers' });
    }
    let fresh = 0;
    let lastId: string | undefined;
    for (const entry of body.servers) {
      const server = normalizeServer(entry);
      if (!server) {
        skipped++;
        continue;
      }
      lastId = server.id;
      if (seen.has(server.id)) continue;
      if (servers.length >= maxServers) return { servers, skipped, incomplete: 'too-many', pages: guard.pages };
      seen.add(server.id);
      servers.push(server);
      fresh++;
    }
    const next = nextMarker(body.servers_links, compute.endpoint + '/', lastId);
    if (next !== undefined && servers.length >= maxServers) {
      return { servers, skipped, incomplete: 'too-many', pages: guard.pages };
    }
    const stop = guard.check(next, fresh, body.servers.length);
    if (stop === 'done') return { servers, skipped, pages: guard.pages };
    if (stop !== undefined) return { servers, skipped, incomplete: stop, pages: guard.pages };
    marker = next;
  }
}

/** First microversion without Compute's image proxy (`GET /images/{id}` answers 404). */
const IMAGE_PROXY_GONE = '2.36';

function hintsFrom(id: string, name: unknown, props: Record<string, unknown>): ImageHints {
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v.trim() !== '' ? displayText(v.trim()) : undefined;
  return {
    id,
    name: str(name),
    osDistro: str(props.os_distro),
    osAdminUser: str(props.os_admin_user),
    rackspaceDistro: str(props['org.openstack__1__os_distro']),
  };
}

/** `…/image` → `…/image/v2`; a root that already names v2 is kept. */
function imageV2Root(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v2(?:\.\d+)?$/.test(trimmed) ? trimmed.replace(/\/v2\.\d+$/, '/v2') : `${trimmed}/v2`;
}

function isCancel(err: unknown): boolean {
  return err instanceof ApiError && err.kind === 'cancelled';
}

/**
 * The login hints of an image (`os_distro`, `os_admin_user`, Rackspace's distro id, its name), or
 * undefined when the cloud does not tell (unknown image, no image proxy, no Image service, an
 * unusable answer). From the Image service when `imageServiceUrl` (its catalog URL) is given,
 * else, or when that fails, from Compute's image proxy at a microversion below 2.36.
 * Throws only when cancelled.
 */
export async function getImageLoginHints(
  compute: ComputeClient,
  imageId: string,
  options: { signal?: AbortSignal; imageServiceUrl?: string } = {},
): Promise<ImageHints | undefined> {
  const id = usableId(imageId);
  if (id === undefined) return undefined;
  const { signal } = options;
  if (options.imageServiceUrl) {
    try {
      const url = `${imageV2Root(options.imageServiceUrl)}/images/${encodeURIComponent(id)}`;
      const body = await compute.getJson('', { url, microversion: '', signal, item: true });
      if (isObject(body)) return hintsFrom(id, body.name, body);
    } catch (err) {
      if (isCancel(err)) throw err;
    }
  }
  try {
    const v = await compute.version(signal);
    const mv = v.microversion;
    const microversion = mv !== undefined && compareVersions(mv, IMAGE_PROXY_GONE) >= 0 ? '2.35' : (mv ?? '');
    const body = await compute.getJson(`/images/${encodeURIComponent(id)}`, { microversion, signal, item: true });
    const image = isObject(body) ? body.image : undefined;
    if (!isObject(image)) return undefined;
    return hintsFrom(id, image.name, isObject(image.metadata) ? image.metadata : {});
  } catch (err) {
    if (isCancel(err)) throw err;
    return undefined;
  }
}
