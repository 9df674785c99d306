// The one join of key pairs, local keys and servers, and its "fresh and complete" rule: real
// HTTP to the emulator on 127.0.0.1, real key files made by ssh-keygen in temp folders.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Inventory,
  readKeyPairNodes,
  readServerNodes,
  readServersOf,
  SERVER_LIST_MAX_AGE_MS,
} from '../../../../src/core/flows/inventory';
import type { KeyPairNode } from '../../../../src/core/flows/keyPairList';
import { compute, tempDir, useEmulator } from '../../helpers/env';
import { sshKeygen } from '../../helpers/keysTestUtil';

describe('inventory: key pairs, local keys and servers joined once', function () {
  this.timeout(30000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  let root: string;
  let n = 0;
  before(() => (root = tempDir('skp-inventory-')));

  /** A fresh SSH folder. */
  const sshDir = () => {
    const dir = path.join(root, `ssh-${++n}`);
    fs.mkdirSync(dir);
    return dir;
  };
  /** `ssh-keygen` in `dir`, imported into the account as `name`. */
  const keyPairWithFiles = async (dir: string, name: string) => {
    const privatePath = path.join(dir, name);
    sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', privatePath]);
    await compute(ctx.emu.computeUrl).create(name, { publicKey: fs.readFileSync(`${privatePath}.pub`, 'utf8') });
    return privatePath;
  };
  const reads = (suffix: string) => ctx.emu.requests.filter((r) => r.path.endsWith(suffix)).length;

  it('readKeyPairNodes: every key pair, with its private key when the SSH folder has it', async () => {
    const dir = sshDir();
    const here = await keyPairWithFiles(dir, 'here');
    await keyPairWithFiles(sshDir(), 'elsewhere');
    const nodes = await readKeyPairNodes(compute(ctx.emu.computeUrl), dir);
    assert.deepEqual(
      nodes.map((node) => [node.keyPair.name, node.local?.privatePath]),
      [
        ['elsewhere', undefined],
        ['here', here],
      ],
    );
  });

  it('readServerNodes: each server under the key pair it was booted with, one read of each list', async () => {
    const dir = sshDir();
    const web = await keyPairWithFiles(dir, 'web-key');
    await keyPairWithFiles(sshDir(), 'db-key');
    await keyPairWithFiles(dir, 'idle-key');
    await ctx.emu.createServer({ name: 'web-1', keyName: 'web-key' });
    await ctx.emu.createServer({ name: 'web-2', keyName: 'web-key' });
    await ctx.emu.createServer({ name: 'db-1', keyName: 'db-key' });
    await ctx.emu.createServer({ name: 'no-key' });
    await ctx.emu.createServer({ name: 'gone-key', keyName: 'deleted-key' });
    const before = { servers: reads('/servers/detail'), keys: reads('/os-keypairs') };
    const nodes = await readServerNodes(compute(ctx.emu.computeUrl), dir);
    assert.deepEqual(
      nodes.map((node) => [node.server.name, node.keyPair.keyPair.name, node.keyPair.local?.privatePath]).sort(),
      [
        ['db-1', 'db-key', undefined],
        ['web-1', 'web-key', web],
        ['web-2', 'web-key', web],
      ],
      'servers without a key pair of the account are not offered',
    );
    const [first, second] = nodes.filter((node) => node.keyPair.keyPair.name === 'web-key');
    assert.equal(first?.keyPair, second?.keyPair, 'one key pair node per key pair');
    assert.equal(reads('/servers/detail') - before.servers, 1);
    assert.equal(reads('/os-keypairs') - before.keys, 1);
  });

  it('readServersOf: the servers already booted with a pair just created', async () => {
    await ctx.emu.createServer({ name: 'a', keyName: 'new-key' });
    await ctx.emu.createServer({ name: 'b', keyName: 'other' });
    const pair: KeyPairNode = { kind: 'keypair', keyPair: { name: 'new-key', publicKey: 'x', fingerprint: 'y' } };
    const nodes = await readServersOf(compute(ctx.emu.computeUrl), pair);
    assert.deepEqual(
      nodes.map((node) => [node.server.name, node.keyPair]),
      [['a', pair]],
    );
  });

  describe('Inventory (the view keeps one per refresh)', () => {
    it('fresh and complete: its servers are offered until the list is older than the limit', async () => {
      const dir = sshDir();
      await keyPairWithFiles(dir, 'k');
      await ctx.emu.createServer({ name: 's', keyName: 'k' });
      let now = 1_000_000;
      const inventory = new Inventory({ compute: compute(ctx.emu.computeUrl), sshDirectory: dir, clock: () => now });
      assert.equal(await inventory.freshServers(), undefined, 'nothing loaded yet');
      await inventory.pages.first();
      const fresh = await inventory.freshServers();
      assert.deepEqual(
        fresh?.map((node) => node.server.name),
        ['s'],
      );
      assert.equal(reads('/servers/detail'), 1, 'one server list for the whole inventory');
      now += SERVER_LIST_MAX_AGE_MS;
      assert.equal((await inventory.freshServers())?.length, 1, 'exactly the limit: still fresh');
      now += 1;
      assert.equal(await inventory.freshServers(), undefined, 'older than the limit: read again');
      assert.equal(reads('/servers/detail'), 1, 'the inventory itself never reads it again');
    });

    it('not complete while key pairs remain to be loaded (their servers would be missing)', async () => {
      ctx.emu.seed(5, { prefix: 'p-' });
      await ctx.emu.createServer({ name: 'late', keyName: 'p-00005' });
      const inventory = new Inventory({ compute: compute(ctx.emu.computeUrl), sshDirectory: sshDir(), pageSize: 2 });
      await inventory.pages.first();
      assert.equal(inventory.complete, false);
      assert.equal(await inventory.freshServers(), undefined);
      assert.equal(await inventory.completeKeyPairs(), undefined);
      while (inventory.pages.hasMore) await inventory.pages.more();
      assert.equal((await inventory.completeKeyPairs())?.length, 5);
      assert.deepEqual(
        (await inventory.freshServers())?.map((node) => [node.server.name, node.keyPair.keyPair.name]),
        [['late', 'p-00005']],
      );
    });

    it('a failed server list is logged, never thrown: key pairs without servers, nothing fresh', async () => {
      ctx.emu.seed(1, { prefix: 'f-' });
      ctx.emu.addFault({ path: '/servers/detail', status: 500, times: 10 });
      const lines: string[] = [];
      const inventory = new Inventory({
        compute: compute(ctx.emu.computeUrl),
        sshDirectory: sshDir(),
        log: (line) => lines.push(line),
      });
      await inventory.pages.first();
      const [node] = await inventory.keyPairs();
      assert.ok(node);
      assert.deepEqual(await inventory.serversOf(node), []);
      assert.equal(inventory.hasServers('f-00001'), false);
      assert.equal(await inventory.freshServers(), undefined);
      assert.equal(lines.length, 1);
      assert.match(lines[0] ?? '', /^listing servers failed: /);
    });

    it('nodes stay the same objects; another SSH folder is read again without asking the server', async () => {
      const first = sshDir();
      const second = sshDir();
      const privatePath = await keyPairWithFiles(second, 'moved');
      await ctx.emu.createServer({ name: 'm', keyName: 'moved' });
      const inventory = new Inventory({ compute: compute(ctx.emu.computeUrl), sshDirectory: first });
      await inventory.pages.first();
      const [node] = await inventory.keyPairs();
      assert.ok(node);
      assert.equal(node.local, undefined);
      assert.equal((await inventory.keyPairs())[0], node, 'same key pair node');
      const servers = await inventory.serversOf(node);
      assert.equal(await inventory.serversOf(node), servers, 'same server nodes');
      assert.equal(inventory.hasServers('moved'), true);
      const requests = ctx.emu.requests.length;

      inventory.rereadLocalKeys(second);
      const [again] = await inventory.keyPairs();
      assert.equal(again?.local?.privatePath, privatePath);
      assert.equal(inventory.sshDirectory, second);
      const [server] = (await inventory.freshServers()) ?? [];
      assert.equal(server?.keyPair, again, 'its servers follow the new key pair node');
      assert.equal(ctx.emu.requests.length, requests, 'no request for a new SSH folder');
    });
  });
});
