// Local emulator of Nova Compute `os-keypairs`, Rackspace Identity v2.0 and Keystone v3.
// See test/emulator/README.md. Node built-ins only.
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import {
  DEFAULT_USER,
  EmulatorOptions,
  FAULT_KINDS,
  Fault,
  FaultKind,
  Reply,
  RequestInfo,
  ResolvedOptions,
  faultReply,
  isPlainObject,
  jsonReply,
  notFoundRoute,
  redactedToken,
  resolveUser,
} from './common';
import {
  IdentityContext,
  keystoneTokens,
  keystoneVersionDocument,
  keystoneVersionsDocument,
  raxTokens,
  raxVersionDocument,
} from './identity';
import { ComputeContext, handleCompute, matchComputeRoute, parseVersion, versionsDocument } from './nova';
import { KeyPairStore, NOVA_SCOPE, StoredKeyPair, TokenStore, staticUser } from './state';
import { normalizeTrustFields, otherClientCreates, trustFaultBody } from './trust';
import {
  CreateServerOptions,
  EmulatorServer,
  SeedServersOptions,
  ServerConsole,
  ServerFaults,
  ServerStore,
  ServersContext,
  ServersControl,
  handleImageService,
  handleServersRoute,
  isServersRoute,
  seedServers,
  serversControl,
} from './servers';

export type { EmulatorOptions, EmulatorUser, Fault, FaultKind } from './common';
export { redactedToken } from './common';
export { MFA_PASSCODE } from './identity';
export { NOVA_SCOPE } from './state';
export type {
  CreateServerOptions,
  EmulatorAddress,
  EmulatorImage,
  EmulatorServer,
  ImageSpec,
  SeedServersOptions,
  ServerBacking,
  ServerConsole,
  ServerFaults,
  ServerStyle,
} from './servers';
export { firstBootConsole, rebootConsole } from './console';

/** A key pair as tests see it; `scope` is 'v2.1' (Nova-style) or a Rackspace region code ('DFW'). */
export type EmulatorKeyPair = Omit<StoredKeyPair, 'id'>;

function withoutId({ id: _id, ...kp }: StoredKeyPair): EmulatorKeyPair {
  return kp;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Status sent; 0 while pending or when no status line was ever sent (stall/reset faults). */
  status: number;
  /** Milliseconds from the request's arrival to the end of the answer; absent until it ends. */
  durationMs?: number;
}

export interface SeedOptions {
  userId?: string;
  prefix?: string;
  /** Rackspace region (e.g. 'DFW') to seed; default: Nova-style (`/v2.1`) key pairs. */
  region?: string;
}

export interface Emulator {
  url: string;
  computeUrl: string;
  rackspaceComputeUrl(tenantId?: string, region?: string): string;
  identityUrl: string;
  keystoneUrl: string;
  keypairs(userId?: string, scope?: string): EmulatorKeyPair[];
  requests: RequestLogEntry[];
  addFault(f: Fault): void;
  clearFaults(): void;
  expireTokens(): void;
  setOptions(o: Partial<EmulatorOptions>): void;
  reset(): void;
  seed(count: number, opts?: SeedOptions): number;
  /** Carries out at once the actions that `commitAfterMs` faults left pending; returns how many. */
  runLateCommits(): number;
  /**
   * Resolves once every request received so far has been handled: answered, reset, or left
   * stalling after its action (a `when: 'after'` fault has acted by then). A test's injected
   * clock awaits it so that "time passes" for the server too, without a real wait.
   */
  idle(): Promise<void>;
  close(): Promise<void>;
  // Servers and images (see servers.ts)
  /** Image service (Glance v2) root, `{url}/image`; in the Keystone catalog as type `image`. */
  imageUrl: string;
  createServer(o: CreateServerOptions): Promise<EmulatorServer>;
  servers(userId?: string, scope?: string): EmulatorServer[];
  deleteServer(id: string): Promise<boolean>;
  setServerFaults(f: ServerFaults): void;
  /** `count` demo servers using the user's key pairs in that scope (Nova-style or `region`). */
  seedServers(count: number, opts?: SeedServersOptions): Promise<EmulatorServer[]>;
  /** The server's console log as stored (its first boot's, written at the first read). */
  consoleLog(id: string): ServerConsole;
  /** Replaces a server's console log (another key, empty, huge…) or makes it unavailable. */
  setConsole(id: string, console: ServerConsole): void;
  /** Appends text to a server's console log (e.g. a second boot: `firstBootConsole` again). */
  appendConsole(id: string, text: string): void;
  /** Changes a server's status (BUILD → ACTIVE, SHUTOFF…). */
  setServerStatus(id: string, status: string): void;
}

const NOVA_MAX_BODY = 114688; // oslo.middleware sizelimit default used by Nova
const HARD_MAX_BODY = 8 * 1024 * 1024;
const DEFAULT_OVERSIZE = 16 * 1024 * 1024;
const IMMEDIATE_KINDS = new Set<FaultKind>(['stall-before-headers', 'reset-before-headers', 'stall-after-headers']);
const SECRET_HEADERS = ['x-auth-token', 'x-subject-token', 'authorization', 'cookie', 'x-sessionid'];
const SECRET_BODY_FIELDS = new Set(['password', 'apiKey', 'secret', 'passcode', 'token']);

function resolveOptions(raw: EmulatorOptions): ResolvedOptions {
  const maxMicroversion = raw.maxMicroversion ?? '2.93';
  const v = parseVersion(maxMicroversion);
  if (!v || v[0] !== 2 || v[1] < 1) throw new Error(`maxMicroversion must be 2.1 or later, got '${maxMicroversion}'`);
  const regions = raw.regions && raw.regions.length > 0 ? [...raw.regions] : ['DFW', 'ORD', 'IAD'];
  const users = (raw.users ?? [DEFAULT_USER]).map((u) => resolveUser(u, regions));
  return {
    host: raw.host ?? '127.0.0.1',
    port: raw.port ?? 0,
    maxMicroversion,
    quota: raw.quota ?? 100,
    latencyMs: raw.latencyMs ?? 0,
    tokens: raw.tokens ?? ['sandbox-token'],
    users,
    regions,
    tokenTtlSeconds: raw.tokenTtlSeconds ?? 86400,
    caseInsensitiveNames: raw.caseInsensitiveNames ?? false,
    refuseKeyTypes: raw.refuseKeyTypes ?? [],
  };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function redactHeaders(h: http.IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(h)) {
    if (SECRET_HEADERS.includes(k) && v !== undefined) {
      out[k] = Array.isArray(v) ? v.map(redactedToken) : redactedToken(v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

function redactJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactJson);
  if (isPlainObject(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = SECRET_BODY_FIELDS.has(k) ? '***' : redactJson(x);
    return o;
  }
  return v;
}

function isIdentityPath(path: string): boolean {
  return path.startsWith('/v2.0') || path.startsWith('/v3') || path.startsWith('/identity');
}

function redactBody(path: string, body: string): string {
  if (!isIdentityPath(path) || body === '') return body;
  try {
    return JSON.stringify(redactJson(JSON.parse(body)));
  } catch {
    return '<redacted: unparseable identity body>';
  }
}

function hostForUrl(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

/** Applies fn to every `keypair` object in a Nova JSON body (single or list). */
function mapKeypairObjects(body: string, fn: (kp: Record<string, unknown>) => void): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  if (!isPlainObject(parsed)) return body;
  if (isPlainObject(parsed.keypair)) fn(parsed.keypair);
  if (Array.isArray(parsed.keypairs)) {
    for (const item of parsed.keypairs) if (isPlainObject(item) && isPlainObject(item.keypair)) fn(item.keypair);
  }
  return JSON.stringify(parsed);
}

function normalizeFault(input: unknown): Fault {
  if (!isPlainObject(input)) throw new Error('fault must be a JSON object');
  const f: Fault = {};
  if (input.method !== undefined) {
    if (typeof input.method !== 'string') throw new Error('method must be a string');
    f.method = input.method;
  }
  if (input.pathRegex !== undefined) {
    if (typeof input.pathRegex !== 'string') throw new Error('pathRegex must be a string');
    f.path = new RegExp(input.pathRegex, typeof input.pathRegexFlags === 'string' ? input.pathRegexFlags : '');
  } else if (input.path !== undefined) {
    if (typeof input.path !== 'string')
      throw new Error('path must be a string (use pathRegex for a regular expression)');
    f.path = input.path;
  }
  if (input.times !== undefined && input.times !== null) {
    if (input.times === 'Infinity' || input.times === 'infinity') f.times = Infinity;
    else if (typeof input.times === 'number') f.times = input.times;
    else throw new Error('times must be a number or "Infinity"');
  } else if (input.times === null) {
    f.times = Infinity;
  }
  if (input.when !== undefined) {
    if (input.when !== 'before' && input.when !== 'after') throw new Error("when must be 'before' or 'after'");
    f.when = input.when;
  }
  if (input.status !== undefined) {
    if (typeof input.status !== 'number') throw new Error('status must be a number');
    f.status = input.status;
  }
  if (input.body !== undefined) {
    f.body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  }
  if (input.headers !== undefined) {
    if (!isPlainObject(input.headers)) throw new Error('headers must be an object');
    f.headers = Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k, String(v)]));
  }
  if (input.kind !== undefined) f.kind = input.kind as FaultKind;
  if (input.field !== undefined) {
    if (typeof input.field !== 'string') throw new Error('field must be a string');
    f.field = input.field;
  }
  if (input.delayMs !== undefined) {
    if (typeof input.delayMs !== 'number') throw new Error('delayMs must be a number');
    f.delayMs = input.delayMs;
  }
  if (input.sizeBytes !== undefined) {
    if (typeof input.sizeBytes !== 'number') throw new Error('sizeBytes must be a number');
    f.sizeBytes = input.sizeBytes;
  }
  normalizeTrustFields(input, f);
  return f;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
  regex?: RegExp;
}

class EmulatorImpl implements Emulator {
  url = '';
  computeUrl = '';
  identityUrl = '';
  keystoneUrl = '';
  imageUrl = '';
  readonly requests: RequestLogEntry[] = [];

  private raw: EmulatorOptions;
  /** The options it was started with; `reset()` returns to them. */
  private readonly initial: EmulatorOptions;
  private opts: ResolvedOptions;
  private readonly store = new KeyPairStore();
  private readonly tokens = new TokenStore();
  private readonly serverStore = new ServerStore();
  private readonly mfaSessions = new Map<string, { userId: string; expiresAt: number }>();
  private faults: ActiveFault[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly stalled = new Set<http.ServerResponse>();
  private readonly server: http.Server | https.Server;
  private closed = false;
  /** Actions of `commitAfterMs` faults not yet carried out. */
  private readonly lateCommits = new Map<NodeJS.Timeout, () => void>();
  /** Requests being handled, and who waits for there to be none (`idle`). */
  private handling = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(options: EmulatorOptions) {
    this.raw = { ...options };
    this.initial = { ...options };
    this.opts = resolveOptions(this.raw);
    const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handling++;
      this.onRequest(req, res)
        .catch((err: unknown) => {
          if (!res.headersSent && !res.destroyed) {
            const r = faultReply(500, `Emulator error: ${err instanceof Error ? err.message : String(err)}`);
            res.writeHead(r.status, { ...r.headers, 'Content-Length': Buffer.byteLength(r.body) });
            res.end(r.body);
          } else {
            res.destroy();
          }
        })
        .finally(() => {
          if (--this.handling > 0) return;
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          waiters.forEach((resolve) => resolve());
        });
    };
    const tls = options.tls;
    this.server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handle) : http.createServer(handle);
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (_err, socket) => {
      if (!socket.destroyed) socket.destroy();
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address() as net.AddressInfo;
    this.url = `${this.initial.tls ? 'https' : 'http'}://${hostForUrl(this.opts.host)}:${addr.port}`;
    this.computeUrl = `${this.url}/v2.1`;
    this.identityUrl = `${this.url}/v2.0`;
    this.keystoneUrl = `${this.url}/identity`;
    this.imageUrl = `${this.url}/image`;
  }

  // ------------------------------------------------------------------ public API

  rackspaceComputeUrl(tenantId?: string, region?: string): string {
    const tenant = encodeURIComponent(tenantId ?? staticUser(this.opts).tenantId);
    return region ? `${this.url}/${region.toLowerCase()}/v2/${tenant}` : `${this.url}/v2/${tenant}`;
  }

  keypairs(userId?: string, scope?: string): EmulatorKeyPair[] {
    const uid = userId ?? staticUser(this.opts).userId;
    return this.store.all(uid, scope === undefined ? undefined : this.canonicalScope(scope)).map(withoutId);
  }

  addFault(f: Fault): void {
    const times = f.times ?? 1;
    if (f.kind !== undefined && !FAULT_KINDS.includes(f.kind))
      throw new Error(`unknown fault kind '${String(f.kind)}'`);
    if (!(times > 0)) return;
    let regex: RegExp | undefined;
    if (f.path instanceof RegExp) regex = new RegExp(f.path.source, f.path.flags.replace(/[gy]/g, ''));
    this.faults.push({ fault: { ...f }, remaining: times, regex });
  }

  clearFaults(): void {
    this.faults = [];
  }

  expireTokens(): void {
    this.tokens.expireAll();
    this.mfaSessions.clear();
  }

  setOptions(o: Partial<EmulatorOptions>): void {
    const next = { ...this.raw, ...o };
    this.opts = resolveOptions(next); // throws on invalid values, leaving the old ones
    this.raw = next;
  }

  reset(): void {
    this.raw = { ...this.initial };
    this.opts = resolveOptions(this.raw);
    this.store.clear();
    this.faults = [];
    this.requests.length = 0;
    this.tokens.clear();
    this.mfaSessions.clear();
    for (const res of this.stalled) res.destroy();
    this.stalled.clear();
    this.dropLateCommits();
    this.resetServers();
  }

  idle(): Promise<void> {
    if (this.handling === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  runLateCommits(): number {
    const pending = [...this.lateCommits.values()];
    this.dropLateCommits();
    pending.forEach((commit) => commit());
    return pending.length;
  }

  private dropLateCommits(): void {
    for (const timer of this.lateCommits.keys()) clearTimeout(timer);
    this.lateCommits.clear();
  }

  seed(count: number, opts: SeedOptions = {}): number {
    const uid = opts.userId ?? staticUser(this.opts).userId;
    const scope = opts.region ? this.canonicalScope(opts.region) : NOVA_SCOPE;
    return this.store.seed(Math.max(0, Math.floor(count)), uid, scope, opts.prefix ?? 'seed-');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dropLateCommits();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.stalled.clear();
    await done;
  }

  // ------------------------------------------------------------------ servers

  createServer(o: CreateServerOptions): Promise<EmulatorServer> {
    return this.serverStore.create(o, this.serversContext());
  }

  servers(userId?: string, scope?: string): EmulatorServer[] {
    return this.serverStore.list(userId, scope === undefined ? undefined : this.canonicalScope(scope));
  }

  deleteServer(id: string): Promise<boolean> {
    return this.serverStore.delete(id, this.serversContext());
  }

  setServerFaults(f: ServerFaults): void {
    this.serverStore.faults = { ...f };
  }

  consoleLog(id: string): ServerConsole {
    return this.serverStore.console(this.serverFor(id));
  }

  setConsole(id: string, console: ServerConsole): void {
    this.serverFor(id).console = console;
  }

  appendConsole(id: string, text: string): void {
    const server = this.serverFor(id);
    const log = this.serverStore.console(server);
    server.console = (log === 'unavailable' || log === 'not-implemented' ? '' : log) + text;
  }

  setServerStatus(id: string, status: string): void {
    this.serverFor(id).status = status;
  }

  private serverFor(id: string): EmulatorServer {
    const server = this.serverStore.get(id);
    if (!server) throw new Error(`emulator: no server ${id}`);
    return server;
  }

  seedServers(count: number, opts: SeedServersOptions = {}): Promise<EmulatorServer[]> {
    const uid = opts.userId ?? staticUser(this.opts).userId;
    const scope = opts.region ? this.canonicalScope(opts.region) : NOVA_SCOPE;
    const names = this.store.list(uid, scope).map((kp) => kp.name);
    return seedServers({ create: (o) => this.createServer(o) }, names, count, opts);
  }

  private serversControl(): ServersControl {
    return {
      create: (o) => this.createServer(o),
      delete: (id) => this.deleteServer(id),
      list: () => this.servers(),
      setFaults: (f) => this.setServerFaults(f),
      seed: (count, opts) => this.seedServers(count, opts),
      setConsole: (id, console) => this.setConsole(id, console),
      appendConsole: (id, text) => this.appendConsole(id, text),
      consoleLog: (id) => this.consoleLog(id),
      setStatus: (id, status) => this.setServerStatus(id, status),
    };
  }

  private serversContext(): ServersContext {
    return {
      opts: this.opts,
      keypairs: this.store,
      tokens: this.tokens,
      keystoneUri: `${this.keystoneUrl}/v3`,
      backing: this.raw.serverBacking,
      canonicalScope: (scope) => this.canonicalScope(scope),
    };
  }

  private resetServers(): void {
    const backing = this.raw.serverBacking;
    for (const id of this.serverStore.clear()) {
      if (backing && typeof backing.serverDeleted === 'function') backing.serverDeleted(id).catch(() => undefined);
    }
  }

  // ------------------------------------------------------------------ internals

  private canonicalScope(scope: string): string {
    if (scope === NOVA_SCOPE) return scope;
    return this.opts.regions.find((r) => r.toLowerCase() === scope.toLowerCase()) ?? scope;
  }

  private computeContext(): ComputeContext {
    return { opts: this.opts, store: this.store, tokens: this.tokens, keystoneUri: `${this.keystoneUrl}/v3` };
  }

  private identityContext(): IdentityContext {
    return {
      opts: this.opts,
      tokens: this.tokens,
      mfaSessions: this.mfaSessions,
      rackspaceComputeUrl: (t, r) => this.rackspaceComputeUrl(t, r),
      computeUrl: this.computeUrl,
      keystoneV3Url: `${this.keystoneUrl}/v3`,
      imageUrl: this.imageUrl,
    };
  }

  private takeFault(method: string, path: string): Fault | undefined {
    for (const [i, a] of this.faults.entries()) {
      const f = a.fault;
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (a.regex) {
        if (!a.regex.test(path)) continue;
      } else if (typeof f.path === 'string' && !path.includes(f.path)) {
        continue;
      }
      a.remaining--;
      if (a.remaining <= 0) this.faults.splice(i, 1);
      return f;
    }
    return undefined;
  }

  private async readBody(req: http.IncomingMessage): Promise<{ body: string; tooLarge: boolean; size: number }> {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const c of req) {
      const chunk = c as Buffer;
      size += chunk.length;
      if (size > HARD_MAX_BODY) {
        tooLarge = true;
        continue; // drain
      }
      chunks.push(chunk);
    }
    return { body: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge, size };
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const arrived = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const parsedUrl = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = parsedUrl.pathname;
    const { body, tooLarge, size } = await this.readBody(req);

    if (path === '/_emulator' || path.startsWith('/_emulator/')) {
      const servers = await serversControl(this.serversControl(), method, path, body);
      this.send(res, servers ?? this.control(method, path, body));
      return;
    }

    const entry: RequestLogEntry = {
      method,
      path,
      headers: redactHeaders(req.headers),
      body: redactBody(path, body),
      status: 0,
    };
    this.requests.push(entry);
    res.once('finish', () => {
      entry.durationMs = performance.now() - arrived;
    });

    const info: RequestInfo = {
      method,
      path,
      query: parsedUrl.searchParams,
      headers: req.headers,
      body,
      baseUrl: this.url,
    };

    const fault = this.takeFault(method, path);
    const delay = this.opts.latencyMs + (fault?.delayMs ?? 0);
    const modifierOnly = !!fault && fault.status === undefined && fault.body === undefined && fault.kind === undefined;
    const after = fault?.when === 'after';
    if (fault?.otherClient && method === 'POST') {
      otherClientCreates(this.store, this.opts, staticUser(this.opts).userId, path, body, fault.otherClient);
    }
    if (fault?.commitAfterMs !== undefined && !modifierOnly && !after) {
      // The answer is the fault's; the action lands later, as a backend that finishes after the gateway gave up.
      const real = await this.process(info);
      const commit = real.commit;
      if (commit) {
        const timer = setTimeout(() => (this.lateCommits.delete(timer), commit()), fault.commitAfterMs);
        timer.unref();
        this.lateCommits.set(timer, () => void commit());
      }
      await sleep(delay);
      const transforms = fault.kind !== undefined && !IMMEDIATE_KINDS.has(fault.kind);
      this.applyFault(fault, transforms ? real : undefined, res, entry);
      return;
    }

    if (fault && !modifierOnly && !after && (fault.kind === undefined || IMMEDIATE_KINDS.has(fault.kind))) {
      await sleep(delay);
      this.applyFault(fault, undefined, res, entry);
      return;
    }

    let reply: Reply;
    if (tooLarge || (size > NOVA_MAX_BODY && matchComputeRoute(path, this.opts, this.url))) {
      reply = faultReply(413, 'Request is too large.');
    } else {
      reply = await this.process(info);
    }
    const mayCommit = !fault || modifierOnly || after;
    if (mayCommit && reply.commit) {
      const replacement = reply.commit();
      if (replacement) reply = replacement;
    }
    await sleep(delay);
    if (!fault) {
      this.send(res, reply, entry);
    } else if (modifierOnly) {
      reply.headers = { ...reply.headers, ...(fault.headers ?? {}) };
      this.send(res, reply, entry);
    } else {
      this.applyFault(fault, reply, res, entry);
    }
  }

  private async process(info: RequestInfo): Promise<Reply> {
    const { method, path } = info;
    if (path === '/') return method === 'GET' ? versionsDocument(this.opts, this.url) : notFoundRoute(info);
    const route = matchComputeRoute(path, this.opts, this.url);
    const servers = { compute: this.computeContext(), store: this.serverStore };
    if (route && isServersRoute(route)) return handleServersRoute(servers, info, route);
    if (route) return handleCompute(this.computeContext(), info, route);
    const image = handleImageService(servers, info);
    if (image) return image;
    const idc = this.identityContext();
    if (path === '/v2.0' || path === '/v2.0/') return method === 'GET' ? raxVersionDocument(info) : notFoundRoute(info);
    if (path === '/v2.0/tokens') return method === 'POST' ? raxTokens(idc, info) : notFoundRoute(info);
    if (path === '/identity' || path === '/identity/') {
      return method === 'GET' ? keystoneVersionsDocument(idc) : notFoundRoute(info);
    }
    if (path === '/identity/v3' || path === '/identity/v3/' || path === '/v3' || path === '/v3/') {
      return method === 'GET' ? keystoneVersionDocument(idc) : notFoundRoute(info);
    }
    if (path === '/identity/v3/auth/tokens' || path === '/v3/auth/tokens') {
      return method === 'POST' ? keystoneTokens(idc, info) : notFoundRoute(info);
    }
    return notFoundRoute(info);
  }

  private send(res: http.ServerResponse, reply: Reply, entry?: RequestLogEntry): void {
    if (res.destroyed || res.headersSent) return;
    let status = reply.status;
    if ((status === 204 || status === 304) && reply.body !== '') status = 200;
    if (entry) entry.status = status;
    const headers: Record<string, string | number> = { ...reply.headers };
    if (status !== 204 && status !== 304) headers['Content-Length'] = Buffer.byteLength(reply.body);
    res.writeHead(status, headers);
    res.end(status === 204 || status === 304 ? undefined : reply.body);
  }

  private resetSocket(res: http.ServerResponse): void {
    const s = res.socket;
    if (!s) {
      res.destroy();
      return;
    }
    if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
    else s.destroy();
  }

  private applyFault(f: Fault, real: Reply | undefined, res: http.ServerResponse, entry: RequestLogEntry): void {
    const extra = f.headers ?? {};
    if (f.kind === undefined) {
      const status = f.status ?? 500;
      let r: Reply;
      if (f.body !== undefined) r = { status, headers: { 'Content-Type': 'application/json' }, body: f.body };
      else if (status >= 400) r = faultReply(status);
      else r = { status, headers: {}, body: '' };
      r.headers = { ...r.headers, ...extra };
      this.send(res, r, entry);
      return;
    }
    switch (f.kind) {
      case 'stall-before-headers':
        this.stalled.add(res);
        res.on('close', () => this.stalled.delete(res));
        return;
      case 'reset-before-headers':
        this.resetSocket(res);
        return;
      case 'stall-after-headers': {
        const status = f.status ?? real?.status ?? 200;
        const headers: Record<string, string | number> = real
          ? { ...real.headers, 'Content-Length': Buffer.byteLength(real.body || '{}'), ...extra }
          : { 'Content-Type': 'application/json', ...extra };
        entry.status = status;
        res.writeHead(status === 204 ? 200 : status, headers);
        res.flushHeaders();
        this.stalled.add(res);
        res.on('close', () => this.stalled.delete(res));
        return;
      }
      default:
        break;
    }
    // Body-transforming kinds: `real` is the real (when: 'after') or dry-run (when: 'before') answer.
    const base = real ?? faultReply(500);
    let status = f.status ?? base.status;
    const headers: Record<string, string | number> = { ...base.headers, ...extra };
    let body = base.body;
    switch (f.kind) {
      case 'malformed-json': {
        const src = body !== '' ? body : '{"keypair": {"name": "x"}}';
        body = src.slice(0, Math.max(1, Math.floor(src.length / 2))) + '\u0000<!-- truncated -->';
        break;
      }
      case 'oversized-body': {
        const size = f.sizeBytes ?? DEFAULT_OVERSIZE;
        let obj: Record<string, unknown> = {};
        try {
          const p: unknown = body ? JSON.parse(body) : {};
          if (isPlainObject(p)) obj = p;
        } catch {
          /* use empty object */
        }
        const overhead = Buffer.byteLength(JSON.stringify({ ...obj, padding: '' }));
        body = JSON.stringify({ ...obj, padding: 'x'.repeat(Math.max(0, size - overhead)) });
        break;
      }
      case 'missing-field': {
        const field = f.field ?? 'private_key';
        body = mapKeypairObjects(body, (kp) => {
          delete kp[field];
        });
        break;
      }
      case 'foreign-private-key':
      case 'garbage-private-key':
      case 'two-line-public-key':
        body = trustFaultBody(f.kind, body) ?? body;
        break;
      case 'wrong-fingerprint':
        body = mapKeypairObjects(body, (kp) => {
          if (typeof kp.fingerprint === 'string') {
            kp.fingerprint = kp.fingerprint
              .split(':')
              .map((h) => (0xff - parseInt(h, 16)).toString(16).padStart(2, '0'))
              .join(':');
          }
        });
        break;
      case 'reset-mid-body': {
        const full = body !== '' ? body : JSON.stringify({ padding: 'x'.repeat(64) });
        if (status === 204 || status === 304) status = 200;
        headers['Content-Length'] = Buffer.byteLength(full);
        entry.status = status;
        res.writeHead(status, headers);
        const buf = Buffer.from(full);
        res.write(buf.subarray(0, Math.max(1, Math.floor(buf.length / 2))), () => {
          setTimeout(() => this.resetSocket(res), 50);
        });
        return;
      }
      default:
        break;
    }
    this.send(res, { status, headers: headers as Record<string, string>, body }, entry);
  }

  // ------------------------------------------------------------------ control API

  private publicOptions(): Record<string, unknown> {
    const o = this.opts;
    return {
      host: o.host,
      port: o.port,
      maxMicroversion: o.maxMicroversion,
      quota: o.quota,
      latencyMs: o.latencyMs,
      regions: o.regions,
      tokenTtlSeconds: o.tokenTtlSeconds,
      caseInsensitiveNames: o.caseInsensitiveNames,
      refuseKeyTypes: o.refuseKeyTypes,
      staticTokens: o.tokens.length,
      users: o.users.map((u) => ({
        username: u.username,
        userId: u.userId,
        tenantId: u.tenantId,
        defaultRegion: u.defaultRegion,
        domain: u.domain,
        project: u.project,
        mfa: u.mfa,
        disabled: u.disabled,
        hasApiKey: u.apiKey !== undefined,
        hasPassword: u.password !== undefined,
        appCredentialId: u.appCredential?.id,
      })),
    };
  }

  private state(): Record<string, unknown> {
    const keypairs: Record<string, Record<string, EmulatorKeyPair[]>> = {};
    let count = 0;
    for (const kp of this.store.all()) {
      const byScope = (keypairs[kp.user_id] ??= {});
      (byScope[kp.scope] ??= []).push(withoutId(kp));
      count++;
    }
    return {
      url: this.url,
      computeUrl: this.computeUrl,
      identityUrl: this.identityUrl,
      keystoneUrl: this.keystoneUrl,
      keypairs,
      keypairCount: count,
      requestCount: this.requests.length,
      faults: this.faults.map((a) => ({
        ...a.fault,
        path: a.fault.path instanceof RegExp ? undefined : a.fault.path,
        pathRegex: a.fault.path instanceof RegExp ? a.fault.path.source : undefined,
        remaining: a.remaining === Infinity ? 'Infinity' : a.remaining,
        times: undefined,
      })),
      options: this.publicOptions(),
    };
  }

  private control(method: string, path: string, body: string): Reply {
    const parse = (): { ok: true; value: unknown } | { ok: false; reply: Reply } => {
      if (body.trim() === '') return { ok: true, value: {} };
      try {
        return { ok: true, value: JSON.parse(body) };
      } catch {
        return { ok: false, reply: jsonReply(400, { error: 'body is not valid JSON' }) };
      }
    };
    const route = `${method} ${path.replace(/\/+$/, '')}`;
    switch (route) {
      case 'GET /_emulator/state':
        return jsonReply(200, this.state());
      case 'GET /_emulator/requests':
        return jsonReply(200, { requests: this.requests });
      case 'POST /_emulator/faults': {
        const p = parse();
        if (!p.ok) return p.reply;
        try {
          const list = Array.isArray(p.value) ? p.value : [p.value];
          for (const item of list) this.addFault(normalizeFault(item));
        } catch (e) {
          return jsonReply(400, { error: e instanceof Error ? e.message : String(e) });
        }
        return jsonReply(201, { ok: true, faults: this.faults.length });
      }
      case 'DELETE /_emulator/faults':
        this.clearFaults();
        return jsonReply(200, { ok: true });
      case 'POST /_emulator/reset':
        this.reset();
        return jsonReply(200, { ok: true });
      case 'POST /_emulator/run-late-commits':
        return jsonReply(200, { ok: true, ran: this.runLateCommits() });
      case 'POST /_emulator/expire-tokens':
        this.expireTokens();
        return jsonReply(200, { ok: true });
      case 'GET /_emulator/options':
        return jsonReply(200, this.publicOptions());
      case 'POST /_emulator/options': {
        const p = parse();
        if (!p.ok) return p.reply;
        if (!isPlainObject(p.value)) return jsonReply(400, { error: 'options must be a JSON object' });
        const o = { ...p.value } as Partial<EmulatorOptions>;
        delete o.host;
        delete o.port;
        try {
          this.setOptions(o);
        } catch (e) {
          return jsonReply(400, { error: e instanceof Error ? e.message : String(e) });
        }
        return jsonReply(200, this.publicOptions());
      }
      case 'POST /_emulator/seed': {
        const p = parse();
        if (!p.ok) return p.reply;
        const v = p.value;
        if (!isPlainObject(v) || typeof v.count !== 'number')
          return jsonReply(400, { error: 'count (number) is required' });
        const added = this.seed(v.count, {
          userId: typeof v.userId === 'string' ? v.userId : undefined,
          prefix: typeof v.prefix === 'string' ? v.prefix : undefined,
          region: typeof v.region === 'string' ? v.region : undefined,
        });
        return jsonReply(200, { ok: true, added });
      }
      default:
        return jsonReply(404, { error: `unknown control route ${route}` });
    }
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emu = new EmulatorImpl(options);
  await emu.listen();
  return emu;
}
