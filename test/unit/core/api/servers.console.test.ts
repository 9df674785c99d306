// getConsoleOutput and readHostKeysFromConsole against the emulator over real HTTP: the request
// Nova gets, the typed errors, and the second, longer read when the first one holds only part
// of a block (or no block, but as many lines as asked for).
import * as assert from 'node:assert/strict';
import { ApiError } from '../../../../src/core/api/errors';
import { consoleProblem, getConsoleOutput, readHostKeysFromConsole } from '../../../../src/core/api/console';
import { firstBootConsole, madeUpHostKeys } from '../../../emulator/console';
import { compute, rejection, useEmulator } from '../../helpers/env';

const noise = (lines: number) =>
  Array.from(
    { length: lines },
    (_, i) => `[${(100 + i).toFixed(6).padStart(12)}] systemd[1]: Started session ${i}.\r\n`,
  ).join('');

describe('console output client', function () {
  this.timeout(30000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });

  it('getConsoleOutput posts os-getConsoleOutput with the length and returns the text', async () => {
    const s = await ctx.emu.createServer({ name: 'c' });
    ctx.emu.setConsole(s.id, 'a\r\nb\r\nc\r\n');
    const c = compute(ctx.emu.computeUrl);
    assert.equal(await getConsoleOutput(c, s.id, { length: 3 }), 'b\nc\n');
    assert.equal(await getConsoleOutput(c, s.id), 'a\nb\nc\n');
    const posts = ctx.emu.requests.filter((r) => r.method === 'POST');
    assert.deepEqual(
      posts.map((r) => [r.path, JSON.parse(r.body)]),
      [
        [`/v2.1/servers/${s.id}/action`, { 'os-getConsoleOutput': { length: 3 } }],
        [`/v2.1/servers/${s.id}/action`, { 'os-getConsoleOutput': {} }],
      ],
    );
  });

  it('typed errors: gone, building, no console, not supported, an answer without output', async () => {
    const c = compute(ctx.emu.computeUrl);
    const problem = async (id: string) => {
      const err = await rejection(getConsoleOutput(c, id), ApiError);
      return [err.kind, consoleProblem(err)];
    };
    assert.deepEqual(await problem('5a0c3c2e-0000-4000-8000-000000000001'), ['not-found', 'server-not-found']);
    const building = await ctx.emu.createServer({ name: 'b', status: 'BUILD' });
    assert.deepEqual(await problem(building.id), ['conflict', 'not-ready']);
    const none = await ctx.emu.createServer({ name: 'n', console: 'unavailable' });
    assert.deepEqual(await problem(none.id), ['not-found', 'no-console']);
    ctx.emu.setConsole(none.id, 'not-implemented');
    assert.deepEqual(await problem(none.id), ['server-error', 'not-supported']);
    ctx.emu.addFault({ method: 'POST', path: '/action', status: 200, body: JSON.stringify({ console: 'x' }) });
    const odd = await ctx.emu.createServer({ name: 'o' });
    assert.deepEqual(await problem(odd.id), ['bad-response', undefined]);
  });

  it("readHostKeysFromConsole: the server's host keys in one request", async () => {
    const hostKeys = madeUpHostKeys();
    const s = await ctx.emu.createServer({ name: 'k', hostKeys });
    const read = await readHostKeysFromConsole(compute(ctx.emu.computeUrl), s.id);
    assert.ok(read.status === 'keys');
    assert.deepEqual(
      read.keys.map((k) => k.key),
      hostKeys,
    );
    assert.equal(read.requests, 1);
  });

  it('asks once more, for more lines, when the block lies behind the first 1000 lines or straddles them', async () => {
    const hostKeys = madeUpHostKeys();
    const s = await ctx.emu.createServer({ name: 'far', hostKeys });
    ctx.emu.setConsole(s.id, firstBootConsole({ hostname: 'far', hostKeys }) + noise(1500));
    const far = await readHostKeysFromConsole(compute(ctx.emu.computeUrl), s.id);
    assert.ok(far.status === 'keys', far.status);
    assert.deepEqual([far.keys.map((k) => k.key), far.requests], [hostKeys, 2]);

    // The END line is in the last 1000 lines, the BEGIN just before them.
    const boot = firstBootConsole({ hostname: 'far', hostKeys });
    const afterBegin = boot.split('-----BEGIN SSH HOST KEY KEYS-----')[1]?.split('\r\n').length ?? 0;
    ctx.emu.setConsole(s.id, boot + noise(1000 - afterBegin + 2));
    const straddling = await readHostKeysFromConsole(compute(ctx.emu.computeUrl), s.id);
    assert.deepEqual([straddling.status, straddling.requests], ['keys', 2]);
    const asked = ctx.emu.requests
      .filter((r) => r.method === 'POST')
      .map((r) => JSON.parse(r.body)['os-getConsoleOutput']);
    assert.deepEqual(asked.slice(-2), [{ length: 1000 }, { length: 10000 }]);

    ctx.emu.setConsole(s.id, noise(20_000) + boot);
    assert.deepEqual((await readHostKeysFromConsole(compute(ctx.emu.computeUrl), s.id)).requests, 1, 'found at once');
    ctx.emu.setConsole(s.id, boot + noise(20_000));
    const tooFar = await readHostKeysFromConsole(compute(ctx.emu.computeUrl), s.id);
    assert.deepEqual([tooFar.status, tooFar.requests], ['none', 2], 'asked once more, not a third time');
  });

  it("no keys yet (a short console), or the console can't be read: said, not thrown; a cancel is thrown", async () => {
    const s = await ctx.emu.createServer({ name: 'young' });
    ctx.emu.setConsole(s.id, '[    0.000000] Linux version 6.1.0\r\n');
    const c = compute(ctx.emu.computeUrl);
    assert.deepEqual(await readHostKeysFromConsole(c, s.id), { status: 'none', ignoredLines: 0, requests: 1 });
    ctx.emu.setServerStatus(s.id, 'BUILD');
    assert.deepEqual(await readHostKeysFromConsole(c, s.id), {
      status: 'unavailable',
      problem: 'not-ready',
      requests: 1,
    });
    const abort = new AbortController();
    abort.abort();
    const err = await rejection(readHostKeysFromConsole(c, s.id, { signal: abort.signal }), ApiError);
    assert.equal(err.kind, 'cancelled');
  });
});
