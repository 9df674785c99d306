/**
 * Create overhead, side by side: the extension's create path (createKeyPair: the request,
 * the answer checked, both key files on disk, the fingerprint compared) against a bare
 * undici `request` POST of the same body to the same server, in the same run, alternating
 * which goes first (run i: the extension first when i is even, the bare POST first when odd). Every pair gets a unique name `bench-<random>-<i>-ext`
 * / `-raw` and is deleted right after its run (untimed); whatever is left (a failure, Ctrl+C)
 * is deleted in `finally`.
 *
 * Each POST's time "on the wire" is also taken from undici's diagnostics channels (request
 * created → response complete), so each call gives its own overhead (total − wire), free of
 * the server's time. Two ratios come out:
 * - `ratioOfMedians`: median(extension) / median(bare). Honest but noisy: the emulator's
 *   RSA generation takes 50–400 ms at random (a prime search), so even with 40 runs a side
 *   its 95% interval spans tens of percent;
 * - `ratio` (the one with the budget): (W + overhead of the extension) / (W + overhead of
 *   the bare POST), W = median wire time of all POSTs of both sides (the server does the
 *   same work for both: same body, same headers), overheads = medians per call. It
 *   measures the same thing with the server's randomness left out; `wireMs` shows the two
 *   sides' wire times agree.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { compareVersions } from '../src/core/base/microversion';
import { ComputeClient } from '../src/core/api/compute';
import { HttpClient } from '../src/core/api/http';
import { createKeyPair, KeyGeneration, LOCAL_ONLY_MICROVERSION } from '../src/core/flows/createKeyPair';
import { generateEd25519 } from '../src/core/keys/generate';
import { median, quantile, ratioInterval } from './stats';

export interface CreateTarget {
  endpoint: string;
  token: string;
  /** Microversion to speak; undefined: discover it, as the extension does. */
  microversion?: string;
}

export interface CreateComparison {
  generation: KeyGeneration;
  microversion?: string;
  runs: number;
  extensionMs: number;
  bareMs: number;
  /** (W + extension overhead) / (W + bare overhead); see the top of this file. */
  ratio: number;
  /** median(extension) / median(bare), and its 95% bootstrap interval. */
  ratioOfMedians: number;
  ratioInterval: [number, number];
  /** Median wire time: all POSTs, the extension's, the bare ones. */
  wireMs: { all: number; extension: number; bare: number };
  /** Medians of total − wire time per call. */
  extensionOverheadMs: number;
  bareOverheadMs: number;
  /** Interquartile ranges, to show the server's spread. */
  extensionIqrMs: [number, number];
  bareIqrMs: [number, number];
  samples: { extension: number[]; bare: number[] };
}

let interrupted = false;
/** Ctrl+C: finish the run in flight, clean up, then stop; a second Ctrl+C exits at once. */
export function stopOnInterrupt(): void {
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupted: cleaning up the benchmark key pairs…\n');
  });
}
export const wasInterrupted = () => interrupted;

export async function compareCreate(
  target: CreateTarget,
  o: { runs: number; warmup?: number; generation?: KeyGeneration; log?: (line: string) => void },
): Promise<CreateComparison> {
  const endpoint = target.endpoint.replace(/\/+$/, '');
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keypairs-bench-'));
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const http = new HttpClient({ log: () => undefined });
  const compute = new ComputeClient({
    endpoint,
    http,
    microversion: target.microversion,
    auth: { canRenew: false, token: async () => target.token },
  });
  const version = await compute.version();
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/json',
    'x-auth-token': target.token,
  };
  if (version.microversion) headers['openstack-api-version'] = `compute ${version.microversion}`;

  // Names that may exist on the server: added before each create, removed once deleted.
  const live = new Set<string>();
  const bareDelete = async (name: string) => {
    const res = await request(`${endpoint}/os-keypairs/${encodeURIComponent(name)}`, {
      method: 'DELETE',
      headers,
      dispatcher: agent,
    });
    await res.body.dump();
    if (res.statusCode >= 300 && res.statusCode !== 404) throw new Error(`DELETE ${name}: ${res.statusCode}`);
    live.delete(name);
  };

  // Time on the wire of each POST, from undici's diagnostics channels.
  const started = new WeakMap<object, number>();
  let lastWire = NaN;
  const onCreate = (m: unknown) => {
    const r = (m as { request: { method: string; path: string } }).request;
    if (r.method === 'POST' && r.path.endsWith('/os-keypairs')) started.set(r, performance.now());
  };
  const onDone = (m: unknown) => {
    const t = started.get((m as { request: object }).request);
    if (t !== undefined) lastWire = performance.now() - t;
  };
  subscribe('undici:request:create', onCreate);
  subscribe('undici:request:trailers', onDone);

  // As createKeyPair decides: from 2.92 on the key is always generated locally.
  const localOnly =
    version.microversion !== undefined && compareVersions(version.microversion, LOCAL_ONLY_MICROVERSION) >= 0;
  const generation: KeyGeneration = localOnly ? 'local' : (o.generation ?? 'server');
  const extension = async (name: string) => {
    live.add(name);
    lastWire = NaN;
    const t0 = performance.now();
    const result = await createKeyPair({
      compute,
      name,
      sshDirectory: dir,
      generation,
      rescue: async () => undefined,
    });
    const ms = performance.now() - t0;
    if (result.generation !== generation) throw new Error(`expected a ${generation} key, got ${result.generation}`);
    // Outside the timing: what the path promised is really there.
    if (result.fingerprintMismatch) throw new Error(`fingerprint mismatch for ${name}`);
    const [priv, pub] = await Promise.all([fs.stat(result.privatePath), fs.stat(result.publicPath ?? '')]);
    if (!priv.isFile() || !pub.isFile()) throw new Error(`key files of ${name} missing`);
    await compute.delete(name);
    live.delete(name);
    await fs.rm(result.privatePath);
    await fs.rm(result.publicPath as string);
    return { ms, wire: lastWire };
  };
  const bare = async (name: string) => {
    // Same body as the extension sends; for a local key the key is made before the clock starts.
    const keypair: Record<string, string> = { name };
    if (generation === 'local') keypair.public_key = generateEd25519(name).publicKey;
    const body = JSON.stringify({ keypair });
    live.add(name);
    lastWire = NaN;
    const t0 = performance.now();
    const res = await request(`${endpoint}/os-keypairs`, { method: 'POST', headers, body, dispatcher: agent });
    const text = await res.body.text();
    const ms = performance.now() - t0;
    if (res.statusCode >= 300) throw new Error(`POST ${name}: ${res.statusCode} ${text.slice(0, 200)}`);
    await bareDelete(name);
    return { ms, wire: lastWire };
  };

  const ext: number[] = [];
  const raw: number[] = [];
  const extOver: number[] = [];
  const rawOver: number[] = [];
  const extWire: number[] = [];
  const rawWire: number[] = [];
  const warmup = o.warmup ?? 2;
  try {
    for (let i = 0; i < warmup + o.runs && !interrupted; i++) {
      const name = `${prefix}-${i}`;
      const extFirst = i % 2 === 0;
      const a = extFirst ? await extension(`${name}-ext`) : await bare(`${name}-raw`);
      const b = extFirst ? await bare(`${name}-raw`) : await extension(`${name}-ext`);
      const [e, r] = extFirst ? [a, b] : [b, a];
      if (i < warmup) continue;
      ext.push(e.ms);
      raw.push(r.ms);
      if (Number.isNaN(e.wire) || Number.isNaN(r.wire)) throw new Error('no wire time seen on undici:request:trailers');
      extOver.push(e.ms - e.wire);
      rawOver.push(r.ms - r.wire);
      extWire.push(e.wire);
      rawWire.push(r.wire);
      if ((i - warmup + 1) % 10 === 0) o.log?.(`  create: ${i - warmup + 1}/${o.runs}`);
    }
  } finally {
    unsubscribe('undici:request:create', onCreate);
    unsubscribe('undici:request:trailers', onDone);
    for (const name of [...live]) {
      try {
        await bareDelete(name);
      } catch (err) {
        o.log?.(`  could not delete ${name}: ${(err as Error).message}`);
      }
    }
    await http.close();
    await agent.close();
    await fs.rm(dir, { recursive: true, force: true });
    for (const name of live) o.log?.(`  left on the server: ${name} (delete it by hand)`);
  }
  if (ext.length === 0) throw new Error('no create run completed');
  const extensionMs = median(ext);
  const bareMs = median(raw);
  const wire = median([...extWire, ...rawWire]);
  return {
    generation,
    microversion: version.microversion,
    runs: ext.length,
    extensionMs,
    bareMs,
    ratio: (wire + median(extOver)) / (wire + median(rawOver)),
    ratioOfMedians: extensionMs / bareMs,
    ratioInterval: ratioInterval(ext, raw),
    wireMs: { all: wire, extension: median(extWire), bare: median(rawWire) },
    extensionOverheadMs: median(extOver),
    bareOverheadMs: median(rawOver),
    extensionIqrMs: [quantile(ext, 0.25), quantile(ext, 0.75)],
    bareIqrMs: [quantile(raw, 0.25), quantile(raw, 0.75)],
    samples: { extension: ext, bare: raw },
  };
}
