/**
 * In the real extension host: Check Other Regions on a Rackspace account of the emulator
 * (DFW, ORD, IAD): what the Key Pairs view shows for each pair (same key, same name with another
 * key, a region answering 503), that a refresh does not read the other regions again, and that
 * Copy to Regions, Delete and Select Region leave no mark that lies.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KeyPairNode } from '../../../src/core/flows/keyPairList';
import { must } from '../../support/must';
import { emulator, Prompt, testing, TOKEN, useRecorder } from './harness';

const EMULATOR = process.env.KEYPAIRS_EMULATOR ?? '';

/** A fresh ed25519 public key line, made by ssh-keygen in a temp folder. */
function newPublicKey(comment: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skp-regions-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path.join(dir, 'k')]);
    return fs.readFileSync(path.join(dir, 'k.pub'), 'utf8').trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Imports a pair into one region of the demo account, as another client would. */
async function importInto(region: string, name: string, publicKey: string): Promise<string> {
  const res = await fetch(`${EMULATOR}/${region.toLowerCase()}/v2/123456/os-keypairs`, {
    method: 'POST',
    headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ keypair: { name, public_key: publicKey } }),
  });
  assert.equal(res.status, 200, `import of "${name}" into ${region}`);
  return ((await res.json()) as { keypair: { fingerprint: string } }).keypair.fingerprint;
}

/** Answers Sign In's steps: Rackspace at the emulator, API key, region `region`. */
function signInAnswers(region: string): (p: Prompt) => unknown {
  const answers: Array<[RegExp, string]> = [
    [/Where are your servers/, 'Rackspace: another Identity URL'],
    [/Rackspace Identity v2\.0 URL/, emulator.identityUrl],
    [/Sign in with/, 'API key'],
    [/Rackspace user name/, 'demo'],
    [/API key/, 'demo-api-key'],
    [/per region/, region],
  ];
  return (p) => {
    const next = answers.shift();
    assert.ok(next, 'no more sign-in steps');
    if (p.kind !== 'pick') return next[1];
    return must(
      p.items.find((i) => i.label === next[1]),
      `item ${next[1]}`,
    );
  };
}

describe('Check Other Regions in the extension host', () => {
  const rec = useRecorder();
  afterEach(async () => {
    await vscode.commands.executeCommand('keypairs.signOut');
  });

  const view = async () => (await testing()).keyPairsView;
  const shown = async () => {
    const v = await view();
    const nodes = (await v.getChildren()).filter((n): n is KeyPairNode => n.kind === 'keypair');
    return Object.fromEntries(nodes.map((n) => [n.keyPair.name, { node: n, item: v.getTreeItem(n) }]));
  };
  const description = (item: vscode.TreeItem) => String(item.description);
  const tooltipText = async (node: KeyPairNode) => {
    const v = await view();
    const item = await v.resolveTreeItem(v.getTreeItem(node), node);
    return (item.tooltip as vscode.MarkdownString).value.replace(/\\([!-/:-@[-`{-~])/g, '$1').replace(/&nbsp;/g, ' ');
  };
  const listReads = async (region: string) =>
    (await emulator.requests()).filter(
      (r) => r.method === 'GET' && r.path.startsWith(`/${region}/v2/123456/os-keypairs`),
    ).length;

  it('marks each pair by public key and by name, names the region that answered 503, and keeps the marks true', async function () {
    this.timeout(60_000);
    const deploy = newPublicKey('deploy');
    const solo = newPublicKey('solo');
    const fpDeploy = await importInto('DFW', 'deploy', deploy);
    await importInto('DFW', 'ci', newPublicKey('ci'));
    await importInto('DFW', 'solo', solo);
    await importInto('DFW', 'fresh', newPublicKey('fresh'));
    await importInto('ORD', 'deploy', deploy);
    const otherCi = await importInto('ORD', 'ci', newPublicKey('other ci'));
    await importInto('ORD', 'solo-ord', solo);
    await emulator.fault({ method: 'GET', path: '/iad/', status: 503, times: 'Infinity' });

    rec.answerPrompt = signInAnswers('DFW');
    await vscode.commands.executeCommand('keypairs.signIn');
    rec.answerPrompt = () => undefined;
    await vscode.commands.executeCommand('keypairs.refresh');

    // Before the check: no marks, and the other regions were not read.
    let rows = await shown();
    assert.deepEqual(Object.keys(rows).sort(), ['ci', 'deploy', 'fresh', 'solo']);
    assert.equal(description(must(rows.deploy, 'deploy').item), fpDeploy);
    assert.equal((await listReads('ord')) + (await listReads('iad')), 0, 'the view alone reads no other region');

    const checked = await vscode.commands.executeCommand('keypairs.checkOtherRegions');
    assert.ok(checked, 'the check ran');
    const warned = await rec.waitForMessage(/IAD could not be read/);
    assert.equal(warned.severity, 'warning');
    assert.match(warned.message, /IAD could not be read: .*503|IAD could not be read: .*unavailable/i);
    const v = await view();
    assert.match(
      must(v.otherRegionsSummary, 'the view says what was read'),
      /^Other regions checked at \d{1,2}[:.]\d{2}(\s?[AP]M)?: ORD\. IAD could not be read: /,
    );

    rows = await shown();
    const row = (name: string) => must(rows[name], name);
    assert.equal(description(row('deploy').item), `${fpDeploy} · also in ORD`);
    assert.match(description(row('ci').item), / · same name, different key in ORD$/);
    assert.match(description(row('solo').item), / · also in ORD$/);
    assert.ok(!description(row('fresh').item).includes(' · '), 'a pair only here has no mark');
    assert.match(String(row('deploy').item.accessibilityInformation?.label), /, also in ORD$/);
    const soloTip = await tooltipText(row('solo').node);
    assert.match(soloTip, /Same public key in: ORD \(as "solo-ord"\)/);
    assert.match(soloTip, /Could not be read: IAD/);
    const ciTip = await tooltipText(row('ci').node);
    assert.ok(ciTip.includes(`A different key has this name in: ORD (${otherCi})`), ciTip);
    assert.ok(!/Same public key in/.test(ciTip), 'the other "ci" is not reported as this key');
    assert.match(await tooltipText(row('fresh').node), /Not in: ORD/);

    // A refresh keeps the marks and reads no other region again.
    const ordReads = await listReads('ord');
    await vscode.commands.executeCommand('keypairs.refresh');
    rows = await shown();
    assert.equal(description(row('deploy').item), `${fpDeploy} · also in ORD`);
    assert.equal(await listReads('ord'), ordReads, 'ORD not read on refresh');

    // Copy "fresh" to ORD: its mark follows without another Check.
    rec.answerPrompt = (p) =>
      p.kind === 'pick' && p.canSelectMany ? p.items.filter((i) => i.label === 'ORD') : undefined;
    const copied = await vscode.commands.executeCommand<Array<{ region: string }>>(
      'keypairs.copyToRegions',
      row('fresh').node,
    );
    assert.deepEqual(
      copied?.map((r) => r.region),
      ['ORD'],
    );
    rec.answerPrompt = () => undefined;
    rows = await shown();
    assert.match(description(row('fresh').item), / · also in ORD$/);

    // Delete "deploy" here: it leaves the view; the other marks stay, nothing is read again.
    const before = await listReads('ord');
    rec.answerMessage = (m) => (m.modal ? 'Delete Key Pair' : undefined);
    assert.equal(await vscode.commands.executeCommand('keypairs.delete', row('deploy').node), 'deleted');
    rec.answerMessage = () => undefined;
    rows = await shown();
    assert.deepEqual(Object.keys(rows).sort(), ['ci', 'fresh', 'solo']);
    assert.match(description(row('solo').item), / · also in ORD$/);
    assert.equal(await listReads('ord'), before);

    // Another region chosen: what was read is about DFW's neighbours; the marks go.
    rec.answerPrompt = (p) => (p.kind === 'pick' ? p.items.find((i) => i.label === 'ORD') : undefined);
    assert.equal(await vscode.commands.executeCommand('keypairs.selectRegion'), 'ORD');
    rec.answerPrompt = () => undefined;
    rows = await shown();
    assert.deepEqual(Object.keys(rows).sort(), ['ci', 'deploy', 'fresh', 'solo-ord']);
    for (const { item } of Object.values(rows)) assert.ok(!description(item).includes(' · '), description(item));
    assert.equal(v.otherRegionsSummary, undefined);
  });

  it('without a sign-in, offers Sign In and reads nothing', async () => {
    await vscode.commands.executeCommand('keypairs.signOut');
    rec.reset();
    assert.equal(await vscode.commands.executeCommand('keypairs.checkOtherRegions'), undefined);
    const m = await rec.waitForMessage(/Check Other Regions needs a sign-in/);
    assert.deepEqual(m.actions, ['Sign In']);
    assert.equal(await listReads('ord'), 0);
  });
});
