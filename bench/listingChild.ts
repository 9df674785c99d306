/**
 * One listing, in a fresh process started with --expose-gc (run by bench/run.ts): every
 * key pair of the emulator's account through the extension's own code, and what it cost.
 *   node --expose-gc out/bench/listingChild.js <computeUrl> <token> <listAll|view>
 * `listAll`: ComputeClient.listAll (pages of 1000, as the name check loads names);
 * `view`: the Key Pairs view's loader (KeyPairPages, pages of 200) until all are loaded.
 * The client discovers the microversion (the emulator is started at 2.35). undici is the
 * one that ships (dist/undici.js).
 *
 * Memory, measured two ways, both as a delta over the state just before the listing
 * (after a full GC):
 * - peak RSS: the kernel's high-water mark of the process (process.resourceUsage().maxRSS,
 *   exact, not sampled) minus the RSS before. If the high-water mark was set earlier
 *   (start-up), this over-states the listing's peak, never under-states it;
 * - peak JS heap: heapUsed + external + arrayBuffers, sampled every 1 ms and after each
 *   page (a sample, so a transient peak inside one JSON.parse can be missed; the RSS
 *   figure covers that). Also what stays after a full GC (the list itself).
 * Time: from the call to the last page, including the version discovery, the first
 * connection and undici's start-up (a cold first listing). Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { ComputeClient } from '../src/core/api/compute';
import { HttpClient } from '../src/core/api/http';
import { KeyPairPages } from '../src/core/api/keyPairPages';
import { useShippedUndici } from './shippedUndici';

useShippedUndici();

/** The command line, checked: `listingChild.js <computeUrl> <token> [listAll|view]`. */
function parseArgv(): { url: string; token: string; mode: string } {
  const [url, token, mode = 'listAll'] = process.argv.slice(2);
  if (url === undefined || token === undefined) {
    throw new Error('usage: listingChild.js <computeUrl> <token> [listAll|view]');
  }
  return { url, token, mode };
}
const { url, token, mode } = parseArgv();
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
if (!/^http:\/\/127\.0\.0\.1:/.test(url)) throw new Error('the listing benchmark talks to the local emulator only');

const jsMemory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};

async function main(): Promise<void> {
  const http = new HttpClient({ maxBodyBytes: 16 * 1024 * 1024 });
  const compute = new ComputeClient({ endpoint: url, http, auth: { canRenew: false, token: async () => token } });
  let requests = 0;

  // The client's one-time start-up (undici loaded, its parser compiled, the connection
  // opened, the microversion discovered) is measured apart: it is the same for any first
  // request, and not what 10,000 key pairs cost.
  const rssStart = process.memoryUsage().rss;
  const w0 = performance.now();
  await compute.version();
  const startupMs = performance.now() - w0;
  const startupRssMB = (process.memoryUsage().rss - rssStart) / 2 ** 20;

  gc!();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = jsMemory();
  let heapPeak = heapBefore;
  const sample = () => {
    heapPeak = Math.max(heapPeak, jsMemory());
  };
  const timer = setInterval(sample, 1);
  // Count pages and sample after each (listAll calls this.listPage too).
  const listPage = compute.listPage.bind(compute);
  compute.listPage = (o) => {
    requests++;
    return listPage(o).finally(sample);
  };

  const t0 = performance.now();
  let count: number;
  if (mode === 'view') {
    const pages = new KeyPairPages(compute);
    await pages.moreUntil(Infinity);
    count = pages.keyPairs.length;
  } else {
    const all = await compute.listAll();
    count = all.length;
  }
  const ms = performance.now() - t0;
  sample();
  clearInterval(timer);
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  gc!();
  const retained = jsMemory() - heapBefore;
  await http.close();

  process.stdout.write(
    JSON.stringify({
      mode,
      count,
      startupMs,
      startupRssMB,
      pages: requests,
      ms,
      peakRssDeltaMB: (maxRssBytes - rssBefore) / 2 ** 20,
      peakHeapDeltaMB: (heapPeak - heapBefore) / 2 ** 20,
      retainedMB: retained / 2 ** 20,
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ error: err instanceof Error ? err.stack : String(err) }) + '\n');
  process.exitCode = 1;
});
