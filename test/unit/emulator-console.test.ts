// The emulator's `os-getConsoleOutput` over real HTTP: a first boot's console with the server's
// host keys (the real sshd's when one backs it), Nova's tail and clean-up, the body schema, and
// the errors (404 unknown server or no console, 409 while building, 501 without console log).
import * as assert from 'node:assert/strict';
import { firstBootConsole, keysInConsole, madeUpHostKeys, rebootConsole } from '../emulator/console';
import { rawRequest } from '../emulator/rawhttp';
import { Emulator, startEmulator } from '../emulator/server';
import { sshdProblem } from '../support/sshd';
import { sshdBacking } from '../support/sshdBacking';
import { must } from '../support/must';

const TOKEN = 'sandbox-token';
const headers = { 'X-Auth-Token': TOKEN };

describe('emulator: os-getConsoleOutput', function () {
  this.timeout(30000);
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ tokens: [TOKEN] });
  });
  after(async () => emu.close());
  beforeEach(() => emu.reset());

  const action = (id: string, body: unknown, base = emu.computeUrl) =>
    rawRequest('POST', `${base}/servers/${id}/action`, {
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const fault = (r: { json(): Record<string, { code: number; message: string }> }) => {
    const [name, value] = must(Object.entries(r.json())[0], 'a fault envelope');
    return [name, value.code, value.message] as const;
  };

  it("prints a first boot's console: timestamps, cloud-init's two blocks with the server's host keys, no \\r or ESC", async () => {
    const hostKeys = madeUpHostKeys().slice(0, 2).reverse();
    const s = await emu.createServer({ name: 'web-1', hostKeys });
    const stored = emu.consoleLog(s.id);
    assert.equal(typeof stored, 'string');
    assert.match(String(stored), /\r\n/, 'the stored log has the serial console line ends');
    const r = await action(s.id, { 'os-getConsoleOutput': {} });
    assert.equal(r.status, 200);
    const output: string = r.json().output;
    assert.deepEqual(Object.keys(r.json()), ['output']);
    assert.ok(!output.includes('\r') && !output.includes('\u001b'), 'Nova removes \\r and ESC');
    assert.match(output, /\[0;1;39mJournal Service/, 'colour codes keep their remains, as on Nova');
    assert.match(output, /^\[ {4}0\.000000\] Linux version/m);
    assert.match(output, /^<14>\w{3} [ \d]\d \d\d:\d\d:\d\d ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----$/m);
    assert.match(output, /^<14>.* ec2: 256 SHA256:[A-Za-z0-9+/]{43} root@web-1 \(ED25519\)$/m);
    assert.deepEqual(keysInConsole(output), hostKeys);
    assert.match(output, /^ssh-ed25519 AAAAC3\S+ root@web-1$/m);
    assert.match(output, /web-1 login: \n$/);
  });

  it('made-up host keys (ECDSA, ed25519, RSA 3072) when none are given; Rocky style without comments', async () => {
    const s = await emu.createServer({ name: 'db', image: { osDistro: 'rocky' } });
    const out: string = (await action(s.id, { 'os-getConsoleOutput': { length: null } })).json().output;
    const keys = keysInConsole(out);
    assert.deepEqual(
      keys.map((k) => k.split(' ')[0]),
      ['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa'],
    );
    assert.match(out, /^ec2: 3072 SHA256:\S+ no comment \(RSA\)$/m);
    assert.match(out, /^\[ +12\.310000\] cloud-init\[1010\]: ssh-ed25519 AAAA\S+$/m, 'key lines without a comment');
    const again: string = (await action(s.id, { 'os-getConsoleOutput': {} })).json().output;
    assert.deepEqual(keysInConsole(again), keys, 'the same keys on every read');
  });

  it('length keeps the last N pieces of the log split on \\n (a log ending in \\n: N-1 lines), as Nova', async () => {
    const s = await emu.createServer({ name: 'tail' });
    emu.setConsole(s.id, 'one\r\ntwo\r\nthree\r\nfour\r\n');
    const out = async (length: unknown) => (await action(s.id, { 'os-getConsoleOutput': { length } })).json().output;
    assert.equal(await out(2), 'four\n');
    assert.equal(await out(3), 'three\nfour\n');
    assert.equal(await out('3'), 'three\nfour\n', 'a string of digits');
    assert.equal(await out(0), '');
    assert.equal(await out(-1), 'two\nthree\nfour\n', '-1 drops the first piece (Python slice)');
    assert.equal(await out('-2'), 'three\nfour\n', 'a negative string passes the schema (the minimum is for numbers)');
    assert.equal(await out(100), 'one\ntwo\nthree\nfour\n');
    assert.equal(await out(null), 'one\ntwo\nthree\nfour\n');
  });

  it('bytes beyond ASCII become U+FFFD each; NUL and other controls are removed, tabs kept', async () => {
    const s = await emu.createServer({ name: 'bytes' });
    emu.setConsole(s.id, 'caf\u00e9\t\u0000ok\u0007\n');
    assert.equal((await action(s.id, { 'os-getConsoleOutput': {} })).json().output, 'caf\ufffd\ufffd\tok\n');
  });

  it('answers 400 badRequest for a length that is not an integer, digits or null, or under -1, and for other keys', async () => {
    const s = await emu.createServer({ name: 'schema' });
    const cases: Array<[unknown, RegExp]> = [
      [
        { 'os-getConsoleOutput': { length: 1.5 } },
        /Invalid input for field\/attribute length\. Value: 1\.5\. 1\.5 is not of type 'integer', 'string', 'null'/,
      ],
      [{ 'os-getConsoleOutput': { length: 'ten' } }, /'ten' does not match '\^-\?\[0-9\]\+\$'/],
      [{ 'os-getConsoleOutput': { length: -2 } }, /-2 is less than the minimum of -1/],
      [{ 'os-getConsoleOutput': { length: true } }, /True is not of type/],
      [
        { 'os-getConsoleOutput': { length: 5, lines: 5 } },
        /Additional properties are not allowed \('lines' was unexpected\)/,
      ],
      [{ 'os-getConsoleOutput': null }, /None is not of type 'object'/],
      [{ 'os-getConsoleOutput': {}, other: 1 }, /too many body keys/],
      [{ 'os-getConsoleLog': {} }, /There is no such action: os-getConsoleLog/],
      ['{not json', /Malformed request body/],
    ];
    for (const [body, message] of cases) {
      const r = await action(s.id, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      const [name, code, text] = fault(r);
      assert.deepEqual([name, code], ['badRequest', 400]);
      assert.match(text, message);
    }
    assert.equal(
      (await action('no-such-server', { 'os-getConsoleOutput': { length: 'x' } })).status,
      400,
      'the schema first',
    );
  });

  it('404 itemNotFound for a server that is not there (or not in this scope) and for a guest without console', async () => {
    const r = await action('0f2e7d1c-0000-4000-8000-000000000000', { 'os-getConsoleOutput': {} });
    assert.equal(r.status, 404);
    assert.deepEqual(fault(r), [
      'itemNotFound',
      404,
      'Instance 0f2e7d1c-0000-4000-8000-000000000000 could not be found.',
    ]);
    const rax = await emu.createServer({ name: 'rax', region: 'DFW' });
    assert.equal(
      (await action(rax.id, { 'os-getConsoleOutput': {} })).status,
      404,
      'a Rackspace server is not in /v2.1',
    );
    assert.equal((await action(rax.id, { 'os-getConsoleOutput': {} }, emu.rackspaceComputeUrl())).status, 200);
    const s = await emu.createServer({ name: 'noconsole', console: 'unavailable' });
    assert.deepEqual(fault(await action(s.id, { 'os-getConsoleOutput': {} })), [
      'itemNotFound',
      404,
      'Guest does not have a console available.',
    ]);
    emu.setConsole(s.id, 'not-implemented');
    assert.deepEqual(fault(await action(s.id, { 'os-getConsoleOutput': {} })).slice(0, 2), ['notImplemented', 501]);
  });

  it('409 conflictingRequest while the server has no host (BUILD, ERROR); a stopped server keeps its log', async () => {
    const s = await emu.createServer({ name: 'new', status: 'BUILD' });
    const r = await action(s.id, { 'os-getConsoleOutput': { length: 50 } });
    assert.equal(r.status, 409);
    assert.deepEqual(fault(r), ['conflictingRequest', 409, `Instance ${s.id} is not ready`]);
    emu.setServerStatus(s.id, 'ACTIVE');
    assert.equal((await action(s.id, { 'os-getConsoleOutput': { length: 50 } })).status, 200);
    emu.setServerStatus(s.id, 'SHUTOFF');
    const off = await action(s.id, { 'os-getConsoleOutput': {} });
    assert.equal(off.status, 200);
    assert.equal(keysInConsole(off.json().output).length, 3);
    emu.setServerStatus(s.id, 'ERROR');
    assert.equal((await action(s.id, { 'os-getConsoleOutput': {} })).status, 409);
  });

  it('tests set the console: another key, empty, two boots, huge; also over the control API', async () => {
    const s = await emu.createServer({ name: 'set' });
    const other = must(madeUpHostKeys()[1], 'an ed25519 key');
    emu.setConsole(s.id, firstBootConsole({ hostname: 'set', hostKeys: [other] }));
    assert.deepEqual(keysInConsole((await action(s.id, { 'os-getConsoleOutput': {} })).json().output), [other]);
    emu.appendConsole(s.id, rebootConsole('set'));
    const twoBoots: string = (await action(s.id, { 'os-getConsoleOutput': {} })).json().output;
    assert.equal(twoBoots.match(/Linux version/g)?.length, 2);
    emu.setConsole(s.id, '');
    assert.equal((await action(s.id, { 'os-getConsoleOutput': {} })).json().output, '');
    emu.setConsole(s.id, 'x'.repeat(79).concat('\r\n').repeat(20_000));
    const huge = await action(s.id, { 'os-getConsoleOutput': { length: 10 } });
    assert.equal(huge.json().output, `${'x'.repeat(79)}\n`.repeat(9));
    const set = await rawRequest('POST', `${emu.url}/_emulator/servers/${s.id}/console`, {
      body: { console: 'hello\r\n' },
    });
    assert.equal(set.status, 200);
    await rawRequest('POST', `${emu.url}/_emulator/servers/${s.id}/console`, { body: { append: 'again\n' } });
    assert.equal((await action(s.id, { 'os-getConsoleOutput': {} })).json().output, 'hello\nagain\n');
    await rawRequest('POST', `${emu.url}/_emulator/servers/${s.id}/status`, { body: { status: 'BUILD' } });
    assert.equal((await action(s.id, { 'os-getConsoleOutput': {} })).status, 409);
  });

  describe('backed by a real sshd', function () {
    const problem = sshdProblem();
    const backing = sshdBacking({ hostKeyTypes: ['ecdsa', 'ed25519'] });
    let backed: Emulator;
    before(async function () {
      if (problem) this.skip();
      backed = await startEmulator({ tokens: [TOKEN], serverBacking: backing });
    });
    after(async () => {
      await backing.stopAll();
      await backed?.close();
    });

    it("the console lists exactly the sshd's host keys", async () => {
      const s = await backed.createServer({ name: 'real' });
      const sshd = must(backing.sshdFor(s.id), 'the sshd behind the server');
      const r = await action(s.id, { 'os-getConsoleOutput': {} }, backed.computeUrl);
      assert.deepEqual(
        keysInConsole(r.json().output),
        sshd.hostPublicKeys.map((k) => k.split(' ').slice(0, 2).join(' ')),
      );
      assert.equal(sshd.hostPublicKeys.length, 2);
    });
  });
});
