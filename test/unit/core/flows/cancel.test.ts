// Cancelling a long read (a progress's Cancel, the window closing, the Key Pairs view dropping
// its listing) aborts the HTTP request itself: real HTTP to the emulator on 127.0.0.1, whose
// request stalls until the client gives up. The flow reports a cancellation, not an error.
import * as assert from 'node:assert/strict';
import { ApiError } from '../../../../src/core/api/errors';
import { regionStates, RegionTarget } from '../../../../src/core/flows/copyToRegions';
import { Inventory, readServerNodes } from '../../../../src/core/flows/inventory';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { compute, tempDir, testHttp, useEmulator } from '../../helpers/env';

describe('cancelling a long read aborts its request (emulator)', function () {
  this.timeout(20000);
  const ctx = useEmulator();
  /** A client whose deadline is far beyond the test's: only the abort can end the stalled request. */
  const patient = (url: string) => compute(url, { http: testHttp({ deadlineMs: 120_000 }) });

  /** Resolves once the emulator has received a request whose path contains `part`. */
  async function received(part: string): Promise<void> {
    for (let i = 0; i < 200 && !ctx.emu.requests.some((r) => r.path.includes(part)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(
      ctx.emu.requests.some((r) => r.path.includes(part)),
      `no request to ${part}`,
    );
  }

  /** The settled outcome of `p` within `ms`, or 'still running'. */
  const within = <T>(p: Promise<T>, ms = 3000) =>
    Promise.race([
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms)),
    ]);

  it('Connect\'s server list: an abort ends the stalled request with "cancelled"', async () => {
    ctx.emu.addFault({ path: '/servers/detail', kind: 'stall-before-headers' });
    const abort = new AbortController();
    const reading = readServerNodes(patient(ctx.emu.computeUrl), tempDir('skp-cancel-'), abort.signal);
    await received('/servers/detail');
    abort.abort();
    const outcome = await within(reading);
    assert.ok(outcome !== 'still running' && 'error' in outcome, 'the read ended, and not with a list');
    assert.ok(outcome.error instanceof ApiError, String(outcome.error));
    assert.equal(outcome.error.kind, 'cancelled');
  });

  it("Copy to Regions' per-region reads: an abort is a cancellation, not a region that could not be read", async () => {
    ctx.emu.seed(0, { region: 'ORD' });
    ctx.emu.addFault({ path: '/os-keypairs', kind: 'stall-before-headers' });
    const target: RegionTarget = { region: 'ORD', compute: patient(ctx.emu.rackspaceComputeUrl('123456', 'ORD')) };
    const pair = { name: 'web', publicKey: generateEd25519('web').publicKey };
    const abort = new AbortController();
    const reading = regionStates([target], pair, abort.signal);
    await received('/os-keypairs');
    abort.abort();
    const outcome = await within(reading);
    assert.ok(outcome !== 'still running' && 'error' in outcome, 'no region state "unknown" for a cancel');
    assert.ok(outcome.error instanceof ApiError && outcome.error.kind === 'cancelled', String(outcome.error));
  });

  it("the view's inventory: dropping it aborts its server list, which is told as nothing, not as a failure", async () => {
    ctx.emu.addFault({ path: '/servers/detail', kind: 'stall-before-headers' });
    const logged: string[] = [];
    const inventory = new Inventory({
      compute: patient(ctx.emu.computeUrl),
      sshDirectory: tempDir('skp-cancel-'),
      log: (line) => logged.push(line),
    });
    const servers = inventory.servers();
    await received('/servers/detail');
    inventory.dispose();
    assert.deepEqual(await within(servers), { value: undefined });
    assert.deepEqual(logged, []);
  });
});
