// Servers and images of the emulator: Compute `GET /servers[/detail]`, `GET /servers/{id}`, the
// deprecated image proxy `GET /images/{id}` (gone from 2.36), and an Image service (Glance v2)
// `GET /image/v2/images/{id}`. Shapes follow /work/shared/notes/nova-servers.md: OpenStack-style
// servers have `addresses.<network>[]` with `OS-EXT-IPS:type`; Rackspace-style ones have `public` and
// `private` networks, `accessIPv4`/`accessIPv6`, and images with `org.openstack__1__os_distro`.
import * as crypto from 'node:crypto';
import {
  Reply,
  RequestInfo,
  ResolvedOptions,
  ResolvedUser,
  faultReply,
  header,
  isPlainObject,
  jsonReply,
  notFoundRoute,
  requestId,
} from './common';
import {
  ComputeContext,
  ComputeRoute,
  Version,
  authenticate,
  cmpVersion,
  negotiateVersion,
  parseVersion,
  versionHeaders,
} from './nova';
import { KeyPairStore, NOVA_SCOPE, TokenStore, findUserById, staticUser } from './state';
import { ConsoleDistro, consoleRequest, firstBootConsole, madeUpHostKeys, novaConsoleOutput } from './console';
import { must } from '../support/must';

// ---------------------------------------------------------------------------------------------
// Public types

/** Lets a test back each created server with something real (e.g. an sshd on a loopback address). */
export interface ServerBacking {
  /** Called when a server is created; may return the IPv4 address where it is reachable. */
  serverCreated(server: {
    id: string;
    name: string;
    keyName: string | null;
    publicKey: string | null;
  }): Promise<{ ipv4?: string; hostKeys?: string[] } | void>;
  serverDeleted?(id: string): Promise<void>;
}

export type ServerStyle = 'rackspace' | 'openstack';

/** One address as a test gives it; `type` is OpenStack's `OS-EXT-IPS:type` (dropped for Rackspace). */
export interface EmulatorAddress {
  addr: string;
  version: 4 | 6;
  type?: 'fixed' | 'floating';
}

export interface ImageSpec {
  /** Glance `os_distro` (OpenStack) or the distro behind `org.openstack__1__os_distro` (Rackspace). */
  osDistro?: string;
  /** Glance `os_admin_user`. */
  osAdminUser?: string;
  name?: string;
}

export interface CreateServerOptions {
  name: string;
  /** The key pair's name (`key_name`); null or absent: none. Need not exist (then `publicKey` is null). */
  keyName?: string | null;
  /** Default ACTIVE. */
  status?: string;
  /** A flavor name of FLAVORS; default m1.small (OpenStack) / general1-1 (Rackspace). */
  flavor?: string;
  /** The image's hints; 'volume': booted from a volume (`image: ""`). Default: Ubuntu. */
  image?: ImageSpec | 'volume';
  /** Default: 'rackspace' when `region` is given, else 'openstack'. */
  style?: ServerStyle;
  /** Networks as served (replace the generated ones). */
  addresses?: Record<string, EmulatorAddress[]>;
  accessIPv4?: string;
  accessIPv6?: string;
  metadata?: Record<string, string>;
  /** Owner; default the first user (the one static tokens act as). */
  userId?: string;
  /** Rackspace region (e.g. 'DFW') the server lives in; default: Nova-style (`/v2.1`). */
  region?: string;
  /**
   * Raw fields merged over the served JSON (a value of `undefined` deletes the field): for
   * malformed entries, e.g. `{ addresses: 'oops' }` or `{ addresses: undefined }`.
   */
  override?: Record<string, unknown>;
  /** Host public key lines its console prints (default: the backing's, else made up at the first read). */
  hostKeys?: string[];
  /** The whole console log instead of a first boot's (see {@link ServerConsole}). */
  console?: ServerConsole;
}

/**
 * A server's console: the log (as the hypervisor stores it: `\r\n`, control characters and
 * all), or `unavailable` (404 `Guest does not have a console available.`, a guest without a
 * console log) or `not-implemented` (501, a hypervisor driver without console output).
 */
export type ServerConsole = string | 'unavailable' | 'not-implemented';

export interface EmulatorImage {
  id: string;
  name: string;
  style: ServerStyle;
  /** Glance properties (`os_distro`, `os_admin_user`, `org.openstack__1__os_distro`, …). */
  properties: Record<string, string>;
  created: string;
}

export interface EmulatorServer {
  id: string;
  name: string;
  keyName: string | null;
  /** The key pair's public key at creation time (what cloud-init installed), or null. */
  publicKey: string | null;
  status: string;
  style: ServerStyle;
  userId: string;
  tenantId: string;
  /** 'v2.1' (Nova-style) or a Rackspace region code. */
  scope: string;
  /** Undefined: booted from a volume. */
  imageId?: string;
  flavor: string;
  addresses: Record<string, EmulatorAddress[]>;
  accessIPv4: string;
  accessIPv6: string;
  metadata: Record<string, string>;
  created: string;
  updated: string;
  override?: Record<string, unknown>;
  /** Host public key lines of its first boot's console; made up at the first console read when absent. */
  hostKeys?: string[];
  /** Set once read or given; see {@link ServerConsole}. */
  console?: ServerConsole;
  /** The image's distro: the style of its console. */
  distro?: string;
}

/** Misbehaviour of `GET /servers[/detail]`, for testing clients. */
export interface ServerFaults {
  /** The marker is ignored: every page is the first one, always with a `next` link. */
  loopingMarker?: boolean;
  /** Every page is full of new (made-up) servers and links to another: the list never ends. */
  endlessPages?: boolean;
  /** Raw entries appended to the first page (e.g. `null`, `42`, `{}`, `{ id: 7 }`). */
  extraEntries?: unknown[];
  /** The `next` link points at this origin instead (a client must never send its token there). */
  foreignNextOrigin?: string;
}

interface FlavorSpec {
  id: string;
  vcpus: number;
  ram: number;
  disk: number;
}

/** Flavors by name; `id` is what pre-2.47 answers show. */
export const FLAVORS: Record<string, FlavorSpec> = {
  'm1.tiny': { id: '1', vcpus: 1, ram: 512, disk: 1 },
  'm1.small': { id: '2', vcpus: 1, ram: 2048, disk: 20 },
  'm1.medium': { id: '3', vcpus: 2, ram: 4096, disk: 40 },
  'general1-1': { id: 'general1-1', vcpus: 1, ram: 1024, disk: 20 },
  'general1-2': { id: 'general1-2', vcpus: 2, ram: 2048, disk: 40 },
};

/** Distro → display name of its image and Rackspace's `org.openstack__1__os_distro`. */
const DISTROS: Record<string, { name: string; rax: string }> = {
  ubuntu: { name: 'Ubuntu 22.04 LTS (Jammy Jellyfish)', rax: 'org.ubuntu' },
  debian: { name: 'Debian 12 (Bookworm)', rax: 'org.debian' },
  centos: { name: 'CentOS Stream 9', rax: 'org.centos' },
  rhel: { name: 'Red Hat Enterprise Linux 9', rax: 'com.redhat' },
  rocky: { name: 'Rocky Linux 9', rax: 'org.rockylinux' },
  almalinux: { name: 'AlmaLinux 9', rax: 'org.almalinux' },
  fedora: { name: 'Fedora 39', rax: 'org.fedoraproject' },
  opensuse: { name: 'openSUSE Leap 15.5', rax: 'org.opensuse' },
};

/** Nova's [api] max_limit. */
export const SERVERS_MAX_LIMIT = 1000;

// ---------------------------------------------------------------------------------------------
// State

export interface ServersContext {
  opts: ResolvedOptions;
  keypairs: KeyPairStore;
  tokens: TokenStore;
  keystoneUri: string;
  backing?: ServerBacking;
  /** Canonical scope of a region code ('dfw' → 'DFW'). */
  canonicalScope(scope: string): string;
}

function isoSeconds(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function hasBacking(b: ServerBacking | undefined): b is ServerBacking {
  return !!b && typeof b.serverCreated === 'function';
}

export class ServerStore {
  private readonly servers = new Map<string, EmulatorServer>();
  /** Newest first per `user\0scope`; rebuilt after a change. */
  private readonly sorted = new Map<string, { list: EmulatorServer[]; index: Map<string, number> }>();
  private readonly images = new Map<string, EmulatorImage>();
  private counter = 0;
  faults: ServerFaults = {};

  clear(): string[] {
    const ids = [...this.servers.keys()];
    this.servers.clear();
    this.sorted.clear();
    this.images.clear();
    this.faults = {};
    this.counter = 0;
    return ids;
  }

  list(userId?: string, scope?: string): EmulatorServer[] {
    const out: EmulatorServer[] = [];
    for (const s of this.servers.values()) {
      if (userId !== undefined && s.userId !== userId) continue;
      if (scope !== undefined && s.scope !== scope) continue;
      out.push(s);
    }
    return out;
  }

  get(id: string): EmulatorServer | undefined {
    return this.servers.get(id);
  }

  image(id: string): EmulatorImage | undefined {
    return this.images.get(id);
  }

  allImages(): EmulatorImage[] {
    return [...this.images.values()];
  }

  /** Newest first, as Nova sorts by default (created_at desc). */
  sortedFor(userId: string, scope: string): { list: EmulatorServer[]; index: Map<string, number> } {
    const key = `${userId}\u0000${scope}`;
    let s = this.sorted.get(key);
    if (!s) {
      const list = this.list(userId, scope).reverse();
      s = { list, index: new Map(list.map((srv, i) => [srv.id, i])) };
      this.sorted.set(key, s);
    }
    return s;
  }

  async create(o: CreateServerOptions, ctx: ServersContext): Promise<EmulatorServer> {
    if (typeof o.name !== 'string') throw new Error('createServer: name must be a string');
    const user = o.userId !== undefined ? findUserById(ctx.opts, o.userId) : staticUser(ctx.opts);
    const userId = user?.userId ?? o.userId ?? staticUser(ctx.opts).userId;
    const tenantId = user?.tenantId ?? staticUser(ctx.opts).tenantId;
    const scope = o.region ? ctx.canonicalScope(o.region) : NOVA_SCOPE;
    const style: ServerStyle = o.style ?? (o.region ? 'rackspace' : 'openstack');
    const keyName = o.keyName ?? null;
    const publicKey = keyName === null ? null : (ctx.keypairs.get(userId, scope, keyName)?.public_key ?? null);
    const flavor = o.flavor ?? (style === 'rackspace' ? 'general1-1' : 'm1.small');
    if (!FLAVORS[flavor]) {
      throw new Error(`createServer: unknown flavor '${flavor}' (known: ${Object.keys(FLAVORS).join(', ')})`);
    }
    const n = ++this.counter;
    const id = crypto.randomUUID();
    let imageId: string | undefined;
    if (o.image !== 'volume') imageId = this.imageFor(o.image ?? { osDistro: 'ubuntu' }, style).id;

    let backedIpv4: string | undefined;
    let hostKeys = o.hostKeys;
    if (hasBacking(ctx.backing)) {
      const r = await ctx.backing.serverCreated({ id, name: o.name, keyName, publicKey });
      if (r && typeof r.ipv4 === 'string') backedIpv4 = r.ipv4;
      if (r && Array.isArray(r.hostKeys) && hostKeys === undefined) hostKeys = r.hostKeys;
    }
    const generated = generatedAddresses(style, n, backedIpv4);
    const now = isoSeconds();
    const server: EmulatorServer = {
      id,
      name: o.name,
      keyName,
      publicKey,
      status: o.status ?? 'ACTIVE',
      style,
      userId,
      tenantId,
      scope,
      imageId,
      flavor,
      addresses: o.addresses ?? generated.addresses,
      accessIPv4: o.accessIPv4 ?? generated.accessIPv4,
      accessIPv6: o.accessIPv6 ?? generated.accessIPv6,
      metadata: { ...(o.metadata ?? {}) },
      created: now,
      updated: now,
      override: o.override,
      hostKeys,
      console: o.console,
      distro: o.image === 'volume' ? undefined : (o.image?.osDistro ?? 'ubuntu'),
    };
    this.servers.set(id, server);
    this.sorted.clear();
    return server;
  }

  /** The server's console log, written at the first read as its first boot printed it. */
  console(server: EmulatorServer): ServerConsole {
    if (server.console === undefined) {
      server.hostKeys ??= madeUpHostKeys();
      const distro: ConsoleDistro = server.distro === 'debian' || server.distro === 'rocky' ? server.distro : 'ubuntu';
      const hostname =
        server.name
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, '-')
          .replace(/^-+|-+$/g, '') || 'host';
      server.console = firstBootConsole({
        hostname,
        hostKeys: server.hostKeys,
        distro,
        bootedAt: new Date(server.created),
      });
    }
    return server.console;
  }

  async delete(id: string, ctx: ServersContext): Promise<boolean> {
    if (!this.servers.delete(id)) return false;
    this.sorted.clear();
    if (hasBacking(ctx.backing) && typeof ctx.backing.serverDeleted === 'function') await ctx.backing.serverDeleted(id);
    return true;
  }

  /** An image with these hints (one per distinct spec and style). */
  private imageFor(spec: ImageSpec, style: ServerStyle): EmulatorImage {
    const distro = spec.osDistro;
    const known = distro !== undefined ? DISTROS[distro] : undefined;
    const name = spec.name ?? known?.name ?? (distro ? `${distro} image` : 'Custom image');
    const properties: Record<string, string> = { os_type: 'linux' };
    if (style === 'rackspace') {
      if (distro !== undefined) properties['org.openstack__1__os_distro'] = known?.rax ?? `org.${distro}`;
      properties['com.rackspace__1__visible_core'] = '1';
    } else if (distro !== undefined) {
      properties.os_distro = distro;
    }
    if (spec.osAdminUser !== undefined) properties.os_admin_user = spec.osAdminUser;
    const key = JSON.stringify([style, name, properties]);
    for (const img of this.images.values()) {
      if (JSON.stringify([img.style, img.name, img.properties]) === key) return img;
    }
    const img: EmulatorImage = { id: crypto.randomUUID(), name, style, properties, created: isoSeconds() };
    this.images.set(img.id, img);
    return img;
  }
}

function generatedAddresses(
  style: ServerStyle,
  n: number,
  backedIpv4: string | undefined,
): { addresses: Record<string, EmulatorAddress[]>; accessIPv4: string; accessIPv6: string } {
  const lo = n % 250 || 250;
  const hi = Math.floor(n / 250) % 250;
  const hex = n.toString(16);
  if (style === 'rackspace') {
    const publicV4 = backedIpv4 ?? `198.51.${100 + (hi % 100)}.${lo}`;
    const publicV6 = `2001:db8:1::${hex}`;
    return {
      addresses: {
        public: [
          { addr: publicV4, version: 4 },
          { addr: publicV6, version: 6 },
        ],
        private: [{ addr: `10.176.${hi}.${lo}`, version: 4 }],
      },
      accessIPv4: publicV4,
      accessIPv6: publicV6,
    };
  }
  return {
    addresses: {
      private: [
        { addr: `10.0.${hi}.${lo}`, version: 4, type: 'fixed' },
        { addr: `fd00:10::${hex}`, version: 6, type: 'fixed' },
        { addr: backedIpv4 ?? `203.0.${113 + (hi % 100)}.${lo}`, version: 4, type: 'floating' },
      ],
    },
    accessIPv4: '',
    accessIPv6: '',
  };
}

// ---------------------------------------------------------------------------------------------
// Views

function atLeast(v: Version, s: string): boolean {
  return cmpVersion(v, parseVersion(s)!) >= 0;
}

function macFor(id: string, addr: string): string {
  const h = crypto.createHash('md5').update(`${id}/${addr}`).digest();
  return `fa:16:3e:${[...h.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

function addressesView(s: EmulatorServer): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [net, list] of Object.entries(s.addresses)) {
    out[net] = list.map((a) => {
      if (s.style === 'rackspace') return { addr: a.addr, version: a.version };
      return {
        'OS-EXT-IPS-MAC:mac_addr': macFor(s.id, a.addr),
        version: a.version,
        addr: a.addr,
        'OS-EXT-IPS:type': a.type ?? 'fixed',
      };
    });
  }
  return out;
}

function links(root: string, kind: 'servers' | 'flavors' | 'images', id: string): unknown[] {
  const bookmark = root.replace(/\/v2(?:\.1)?(?=\/|$)/, '');
  return [
    { rel: 'self', href: `${root}/${kind}/${id}` },
    { rel: 'bookmark', href: `${bookmark}/${kind}/${id}` },
  ];
}

const POWER_STATE: Record<string, number> = { ACTIVE: 1, SHUTOFF: 4, PAUSED: 3, SUSPENDED: 7 };

function flavorView(name: string, root: string, v: Version, rackspace: boolean): Record<string, unknown> {
  const f = must(FLAVORS[name], `flavor ${name}`);
  if (rackspace || !atLeast(v, '2.47')) return { id: f.id, links: links(root, 'flavors', f.id).slice(1) };
  return { vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: 0, swap: 0, original_name: name, extra_specs: {} };
}

export function serverView(s: EmulatorServer, root: string, v: Version): Record<string, unknown> {
  const rackspace = s.style === 'rackspace';
  const status = s.status.toUpperCase();
  const o: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    status,
    tenant_id: s.tenantId,
    user_id: s.userId,
    metadata: s.metadata,
    hostId: crypto.createHash('sha224').update(`${s.userId}/host`).digest('hex'),
    image: s.imageId === undefined ? '' : { id: s.imageId, links: links(root, 'images', s.imageId).slice(1) },
    flavor: flavorView(s.flavor, root, v, rackspace),
    created: s.created,
    updated: s.updated,
    addresses: addressesView(s),
    accessIPv4: s.accessIPv4,
    accessIPv6: s.accessIPv6,
    links: links(root, 'servers', s.id),
    key_name: s.keyName,
    progress: status === 'BUILD' ? 0 : 100,
    'OS-DCF:diskConfig': rackspace ? 'AUTO' : 'MANUAL',
    'OS-EXT-AZ:availability_zone': rackspace ? undefined : 'nova',
    'OS-EXT-STS:vm_state': status === 'BUILD' ? 'building' : status.toLowerCase(),
    'OS-EXT-STS:task_state': status === 'BUILD' ? 'spawning' : null,
    'OS-EXT-STS:power_state': POWER_STATE[status] ?? 0,
    'OS-SRV-USG:launched_at': status === 'BUILD' ? null : `${s.created.replace(/Z$/, '')}.000000`,
    'OS-SRV-USG:terminated_at': null,
    config_drive: '',
    security_groups: [{ name: 'default' }],
    'os-extended-volumes:volumes_attached': [],
  };
  if (rackspace) delete o['OS-EXT-AZ:availability_zone'];
  if (!rackspace && atLeast(v, '2.9')) o.locked = false;
  if (!rackspace && atLeast(v, '2.19')) o.description = null;
  if (!rackspace && atLeast(v, '2.26')) o.tags = [];
  if (s.override) {
    for (const [k, val] of Object.entries(s.override)) {
      if (val === undefined) delete o[k];
      else o[k] = val;
    }
  }
  return o;
}

function imageProxyView(img: EmulatorImage, root: string): Record<string, unknown> {
  return {
    id: img.id,
    name: img.name,
    status: 'ACTIVE',
    progress: 100,
    minDisk: 0,
    minRam: 0,
    created: img.created,
    updated: img.created,
    metadata: { ...img.properties },
    links: links(root, 'images', img.id),
    'OS-EXT-IMG-SIZE:size': 2361393152,
  };
}

function glanceView(img: EmulatorImage): Record<string, unknown> {
  return {
    ...img.properties,
    id: img.id,
    name: img.name,
    status: 'active',
    visibility: 'public',
    protected: false,
    os_hidden: false,
    checksum: crypto.createHash('md5').update(img.id).digest('hex'),
    size: 2361393152,
    min_ram: 0,
    min_disk: 0,
    disk_format: 'qcow2',
    container_format: 'bare',
    created_at: img.created,
    updated_at: img.created,
    tags: [],
    self: `/v2/images/${img.id}`,
    file: `/v2/images/${img.id}/file`,
    schema: '/v2/schemas/image',
  };
}

// ---------------------------------------------------------------------------------------------
// Handlers

/** True when a compute route is one of this file's (`servers…`, `servers/{id}/action`, `images/{id}`). */
export function isServersRoute(route: ComputeRoute): boolean {
  const s = route.segments;
  return (
    (s[0] === 'servers' && (s.length <= 2 || (s.length === 3 && s[2] === 'action'))) ||
    (s[0] === 'images' && s.length === 2)
  );
}

/**
 * `POST /servers/{id}/action` `{"os-getConsoleOutput": {"length": N}}` as Nova answers it. The
 * schema comes first (400), then the server (404), then its state: BUILD and ERROR have no
 * compute host (`check_instance_host`: 409 `Instance … is not ready`); a stopped, paused or
 * suspended server still has its console log, which libvirt reads from the file (200).
 */
function consoleOutput(store: ServerStore, info: RequestInfo, server: EmulatorServer | undefined, id: string): Reply {
  let body: unknown;
  try {
    body = JSON.parse(info.body);
  } catch {
    return faultReply(400, 'Malformed request body');
  }
  if (isPlainObject(body) && Object.keys(body).length === 1 && !('os-getConsoleOutput' in body)) {
    return faultReply(400, `There is no such action: ${Object.keys(body)[0]}`);
  }
  const req = consoleRequest(body);
  if (!req.ok) return faultReply(400, req.message);
  if (!server) return faultReply(404, `Instance ${id} could not be found.`);
  const status = server.status.toUpperCase();
  if (status === 'BUILD' || status === 'ERROR') return faultReply(409, `Instance ${id} is not ready`);
  const log = store.console(server);
  if (log === 'unavailable') return faultReply(404, 'Guest does not have a console available.');
  if (log === 'not-implemented') return faultReply(501, 'Feature not supported.');
  return jsonReply(200, { output: novaConsoleOutput(log, req.length) });
}

function withHeaders(r: Reply, h: Record<string, string>): Reply {
  r.headers = { ...r.headers, ...h };
  return r;
}

const ENDLESS_PREFIX = '00000000-0000-4000-8000-';

function endlessServer(n: number, root: string, v: Version): Record<string, unknown> {
  const id = ENDLESS_PREFIX + String(n).padStart(12, '0');
  const s: EmulatorServer = {
    id,
    name: `endless-${n}`,
    keyName: null,
    publicKey: null,
    status: 'ACTIVE',
    style: 'openstack',
    userId: 'endless',
    tenantId: 'endless',
    scope: NOVA_SCOPE,
    flavor: 'm1.tiny',
    addresses: generatedAddresses('openstack', n + 1, undefined).addresses,
    accessIPv4: '',
    accessIPv6: '',
    metadata: {},
    created: '2020-01-01T00:00:00Z',
    updated: '2020-01-01T00:00:00Z',
  };
  return serverView(s, root, v);
}

function listServers(
  store: ServerStore,
  info: RequestInfo,
  route: ComputeRoute,
  v: Version,
  user: ResolvedUser,
  scope: string,
  detail: boolean,
): Reply {
  const q = info.query;
  const limits = q.getAll('limit');
  let limit = SERVERS_MAX_LIMIT;
  const raw = limits.at(-1);
  if (raw !== undefined) {
    if (!/^[0-9]+$/.test(raw)) {
      const message = `Invalid input for query parameters limit. Value: ${raw}. '${raw}' does not match '^[0-9]*$'`;
      return faultReply(400, message);
    }
    limit = Math.min(limit, Number(raw));
  }
  const markers = q.getAll('marker');
  const marker = markers.at(-1);
  const faults = store.faults;
  const root = route.linkRoot;
  const brief = (o: Record<string, unknown>): Record<string, unknown> =>
    detail ? o : { id: o.id, name: o.name, links: o.links };

  let page: Record<string, unknown>[];
  let hasNext: boolean;
  let lastId: string | undefined;
  if (faults.endlessPages) {
    let start = 0;
    if (marker?.startsWith(ENDLESS_PREFIX)) start = Number(marker.slice(ENDLESS_PREFIX.length)) + 1;
    const count = Math.max(1, limit);
    page = [];
    for (let i = 0; i < count; i++) page.push(brief(endlessServer(start + i, root, v)));
    hasNext = true;
    lastId = String(must(page.at(-1), 'a server of the endless page').id);
  } else {
    const { list, index } = store.sortedFor(user.userId, scope);
    let start = 0;
    if (marker !== undefined && !faults.loopingMarker) {
      const at = index.get(marker);
      if (at === undefined) return faultReply(400, `marker [${marker}] not found`);
      start = at + 1;
    }
    const slice = limit === 0 ? [] : list.slice(start, start + limit);
    page = slice.map((s) => brief(serverView(s, root, v)));
    lastId = slice.at(-1)?.id;
    // Nova links to a next page whenever this one is full (the next one may be empty).
    hasNext = faults.loopingMarker ? true : limit > 0 && slice.length === limit;
  }
  if (faults.extraEntries && marker === undefined) {
    page = [...page, ...(faults.extraEntries as Record<string, unknown>[])];
  }
  const out: Record<string, unknown> = { servers: page };
  if (hasNext && lastId !== undefined) {
    const params = new URLSearchParams(q);
    params.set('marker', lastId);
    let href = `${root}/servers${detail ? '/detail' : ''}?${params.toString()}`;
    if (faults.foreignNextOrigin) href = faults.foreignNextOrigin + new URL(href).pathname + new URL(href).search;
    out.servers_links = [{ rel: 'next', href }];
  }
  return jsonReply(200, out);
}

export interface ComputeCallContext {
  compute: ComputeContext;
  store: ServerStore;
}

/** Handles `servers`, `servers/detail`, `servers/{id}` and `images/{id}` under a compute root. */
export function handleServersRoute(ctx: ComputeCallContext, info: RequestInfo, route: ComputeRoute): Reply {
  const reqId = requestId();
  const base: Record<string, string> = { 'X-Compute-Request-Id': reqId, 'X-OpenStack-Request-Id': reqId };
  const auth = authenticate(ctx.compute, info, route);
  if (!auth.ok) return withHeaders(auth.reply, base);
  const isAction = route.segments.length === 3;
  if (info.method !== (isAction ? 'POST' : 'GET')) return withHeaders(notFoundRoute(info), base);
  let version: Version = [2, 1];
  let extra = base;
  if (route.style === 'nova') {
    const nv = negotiateVersion(info, ctx.compute.opts);
    if (!nv.ok) return withHeaders(nv.reply, base);
    version = nv.version;
    extra = { ...base, ...versionHeaders(version) };
  }
  const scope = route.style === 'nova' ? NOVA_SCOPE : (route.region ?? auth.user.defaultRegion);
  const segs = route.segments;
  let reply: Reply;
  // isServersRoute: `servers`, or two segments: `servers/{id|detail}` or `images/{id}`.
  if (segs[0] === 'images') {
    // The image proxy is gone from 2.36 on: the route itself answers 404.
    const img = ctx.store.image(must(segs[1], 'the image id'));
    if (route.style === 'nova' && atLeast(version, '2.36')) reply = faultReply(404, 'The resource could not be found.');
    else if (!img) reply = faultReply(404, 'Image not found.');
    else reply = jsonReply(200, { image: imageProxyView(img, route.linkRoot) });
  } else if (segs.length === 1) {
    reply = listServers(ctx.store, info, route, version, auth.user, scope, false);
  } else if (segs[1] === 'detail' && !isAction) {
    reply = listServers(ctx.store, info, route, version, auth.user, scope, true);
  } else if (isAction) {
    const id = must(segs[1], 'the server id');
    const s = ctx.store.get(id);
    const mine = s && s.userId === auth.user.userId && s.scope === scope ? s : undefined;
    reply = consoleOutput(ctx.store, info, mine, id);
  } else {
    const id = must(segs[1], 'the server id');
    const s = ctx.store.get(id);
    if (!s || s.userId !== auth.user.userId || s.scope !== scope) {
      reply = faultReply(404, `Instance ${id} could not be found.`);
    } else {
      reply = jsonReply(200, { server: serverView(s, route.linkRoot, version) });
    }
  }
  return withHeaders(reply, extra);
}

/** The Image service (Glance v2) at `{url}/image`: `GET /image/v2/images/{id}`. */
export function handleImageService(ctx: ComputeCallContext, info: RequestInfo): Reply | undefined {
  const m = /^\/image\/v2\/images\/([^/]+)$/.exec(info.path);
  if (!m && info.path !== '/image' && !info.path.startsWith('/image/')) return undefined;
  if (!m || info.method !== 'GET') return notFoundRoute(info);
  const token = header(info.headers, 'x-auth-token')?.trim();
  const issued = token ? ctx.compute.tokens.live(token) : undefined;
  const okToken = !!token && (ctx.compute.opts.tokens.includes(token) || (!!issued && issued.scoped));
  if (!okToken) {
    return {
      status: 401,
      headers: {
        'Content-Type': 'text/plain; charset=UTF-8',
        'WWW-Authenticate': `Keystone uri="${ctx.compute.keystoneUri}"`,
      },
      body: '401 Unauthorized\n\nThis server could not verify that you are authorized to access the document.',
    };
  }
  const raw = must(m[1], 'the image id');
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    id = raw;
  }
  const img = ctx.store.image(id);
  if (!img) {
    return {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=UTF-8' },
      body: `404 Not Found\n\nNo image found with ID ${id}\n\n   `,
    };
  }
  return jsonReply(200, glanceView(img));
}

// ---------------------------------------------------------------------------------------------
// Control API: /_emulator/servers…

export interface ServersControl {
  create(o: CreateServerOptions): Promise<EmulatorServer>;
  delete(id: string): Promise<boolean>;
  list(): EmulatorServer[];
  setFaults(f: ServerFaults): void;
  seed(count: number, opts?: SeedServersOptions): Promise<EmulatorServer[]>;
  setConsole(id: string, console: ServerConsole): void;
  appendConsole(id: string, text: string): void;
  consoleLog(id: string): ServerConsole;
  setStatus(id: string, status: string): void;
}

export interface SeedServersOptions {
  userId?: string;
  /** Rackspace region to seed (Rackspace-style servers); default Nova-style. */
  region?: string;
}

const SEED_DISTROS = ['ubuntu', 'debian', 'centos', 'rocky', 'fedora', 'almalinux', 'rhel', 'opensuse'];
const SEED_STATUSES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'SHUTOFF', 'ACTIVE', 'BUILD', 'ACTIVE', 'ERROR'];

/** `count` demo servers spread over the key pairs of the user in that scope (one without a key). */
export async function seedServers(
  control: Pick<ServersControl, 'create'>,
  keyNames: string[],
  count: number,
  opts: SeedServersOptions = {},
): Promise<EmulatorServer[]> {
  const out: EmulatorServer[] = [];
  const width = Math.max(2, String(count).length);
  for (let i = 0; i < count; i++) {
    const distro = SEED_DISTROS[i % SEED_DISTROS.length];
    const keyName = keyNames.length === 0 || i % 7 === 6 ? null : keyNames[i % keyNames.length];
    out.push(
      await control.create({
        name: `${distro}-${String(i + 1).padStart(width, '0')}`,
        keyName,
        status: SEED_STATUSES[i % SEED_STATUSES.length],
        image: i % 9 === 8 ? 'volume' : { osDistro: distro },
        userId: opts.userId,
        region: opts.region,
      }),
    );
  }
  return out;
}

function addressFrom(v: unknown): EmulatorAddress | undefined {
  if (!isPlainObject(v) || typeof v.addr !== 'string') return undefined;
  const version = v.version === 6 ? 6 : 4;
  const type = v.type === 'floating' || v.type === 'fixed' ? v.type : undefined;
  return { addr: v.addr, version, type };
}

/** Parses a JSON `createServer` body of the control API. */
export function createOptionsFrom(v: unknown): CreateServerOptions {
  if (!isPlainObject(v) || typeof v.name !== 'string') throw new Error('name (string) is required');
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
  const o: CreateServerOptions = { name: v.name };
  if (v.keyName === null || typeof v.keyName === 'string') o.keyName = v.keyName;
  o.status = str('status');
  o.flavor = str('flavor');
  o.region = str('region');
  o.userId = str('userId');
  o.accessIPv4 = str('accessIPv4');
  o.accessIPv6 = str('accessIPv6');
  if (v.style === 'rackspace' || v.style === 'openstack') o.style = v.style;
  if (v.image === 'volume') o.image = 'volume';
  else if (isPlainObject(v.image)) {
    const img = v.image;
    o.image = {
      osDistro: typeof img.osDistro === 'string' ? img.osDistro : undefined,
      osAdminUser: typeof img.osAdminUser === 'string' ? img.osAdminUser : undefined,
      name: typeof img.name === 'string' ? img.name : undefined,
    };
  }
  if (isPlainObject(v.addresses)) {
    const addrs: Record<string, EmulatorAddress[]> = {};
    for (const [net, list] of Object.entries(v.addresses)) {
      addrs[net] = Array.isArray(list) ? list.map(addressFrom).filter((a): a is EmulatorAddress => !!a) : [];
    }
    o.addresses = addrs;
  }
  if (isPlainObject(v.metadata)) {
    o.metadata = Object.fromEntries(Object.entries(v.metadata).map(([k, x]) => [k, String(x)]));
  }
  if (isPlainObject(v.override)) o.override = v.override;
  if (Array.isArray(v.hostKeys)) o.hostKeys = v.hostKeys.filter((k): k is string => typeof k === 'string');
  if (typeof v.console === 'string') o.console = v.console;
  return o;
}

/** Public form of a server for the control API and tests (no internal fields). */
export function serverSummary(s: EmulatorServer): Omit<EmulatorServer, 'override' | 'console'> {
  const { override: _override, console: _console, ...rest } = s;
  return rest;
}

/** Handles `/_emulator/servers…`; undefined when the path is not one of them. */
export async function serversControl(
  control: ServersControl,
  method: string,
  path: string,
  body: string,
): Promise<Reply | undefined> {
  const p = path.replace(/\/+$/, '');
  if (p !== '/_emulator/servers' && !p.startsWith('/_emulator/servers/')) return undefined;
  let value: unknown = {};
  if (body.trim() !== '') {
    try {
      value = JSON.parse(body);
    } catch {
      return jsonReply(400, { error: 'body is not valid JSON' });
    }
  }
  try {
    if (p === '/_emulator/servers' && method === 'GET') {
      return jsonReply(200, { servers: control.list().map(serverSummary) });
    }
    if (p === '/_emulator/servers' && method === 'POST') {
      const s = await control.create(createOptionsFrom(value));
      return jsonReply(201, { server: serverSummary(s) });
    }
    if (p === '/_emulator/servers/faults' && method === 'POST') {
      if (!isPlainObject(value)) return jsonReply(400, { error: 'faults must be a JSON object' });
      control.setFaults(value);
      return jsonReply(200, { ok: true });
    }
    if (p === '/_emulator/servers/faults' && method === 'DELETE') {
      control.setFaults({});
      return jsonReply(200, { ok: true });
    }
    if (p === '/_emulator/servers/seed' && method === 'POST') {
      if (!isPlainObject(value) || typeof value.count !== 'number') {
        return jsonReply(400, { error: 'count (number) is required' });
      }
      const made = await control.seed(value.count, {
        userId: typeof value.userId === 'string' ? value.userId : undefined,
        region: typeof value.region === 'string' ? value.region : undefined,
      });
      return jsonReply(200, { ok: true, added: made.length });
    }
    const c = /^\/_emulator\/servers\/([^/]+)\/(console|status)$/.exec(p);
    if (c && method === 'GET' && c[2] === 'console') {
      return jsonReply(200, { console: control.consoleLog(decodeURIComponent(must(c[1], 'the server id'))) });
    }
    if (c && method === 'POST') {
      const id = decodeURIComponent(must(c[1], 'the server id'));
      if (!isPlainObject(value)) return jsonReply(400, { error: 'body must be a JSON object' });
      if (c[2] === 'status') {
        if (typeof value.status !== 'string') return jsonReply(400, { error: 'status (string) is required' });
        control.setStatus(id, value.status);
      } else if (typeof value.append === 'string') {
        control.appendConsole(id, value.append);
      } else if (typeof value.console === 'string') {
        control.setConsole(id, value.console);
      } else {
        return jsonReply(400, { error: 'console (string) or append (string) is required' });
      }
      return jsonReply(200, { ok: true });
    }
    const m = /^\/_emulator\/servers\/([^/]+)$/.exec(p);
    if (m && method === 'DELETE') {
      const id = must(m[1], 'the server id');
      const gone = await control.delete(decodeURIComponent(id));
      return gone ? jsonReply(200, { ok: true }) : jsonReply(404, { error: `no server ${id}` });
    }
  } catch (e) {
    return jsonReply(400, { error: e instanceof Error ? e.message : String(e) });
  }
  return jsonReply(404, { error: `unknown control route ${method} ${p}` });
}
