/**
 * A user in a real VS Code (code-server + Chromium): installs the packaged .vsix, sets the
 * token and creates key pairs through the palette and the status bar, against the
 * emulator. Screenshots of each step go to test-results/screenshots/ (ignored by git);
 * `npm run screenshots` copies them to media/screenshots/ for the README, on purpose.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Emulator, startEmulator } from '../emulator/server';
import * as ui from '../support/browser';
import { recordMeasure } from '../support/measures';
import type { CodeServer } from '../support/codeServer';
import { group, must } from '../support/must';

const ROOT = path.resolve(__dirname, '../../..');
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const TOKEN = 'e2e-token';

const VSIX = () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
};

describe('a user creates key pairs in VS Code (e2e)', function () {
  this.timeout(120_000);
  let emu: Emulator;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let home: string;
  const ssh = () => path.join(home, '.ssh');
  const mode = (p: string) => fs.statSync(p).mode & 0o777;
  const keyData = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ');
  const shot = (name: string) => ui.screenshot(page, path.join(SHOTS, `${name}.png`));

  before(async () => {
    emu = await startEmulator({ tokens: [TOKEN], maxMicroversion: '2.10' });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-e2e-home-'));
    ({ server, browser, page } = await ui.startWorkbench({
      home,
      vsix: VSIX(),
      userSettings: { 'keypairs.endpoint': emu.computeUrl },
    }));
  });

  after(async () => {
    await ui.stopWorkbench(browser, server);
    await emu?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('sets the API token through the palette (a password box)', async () => {
    await ui.runCommand(page, 'Key Pairs: Set API Token');
    const box = await ui.waitForQuickInput(page);
    assert.equal(box.title, 'Set API Token');
    assert.equal(await page.locator('.quick-input-widget .quick-input-box input').getAttribute('type'), 'password');
    await ui.typeInQuickInput(page, TOKEN);
    await ui.acceptQuickInput(page);
    await ui.waitForStatusBarText(page, 'API token saved in secret storage.');
    assert.ok(
      !(await ui.notifications(page)).some((t) => t.includes('API token saved')),
      'a quiet confirmation: no notification to stack under the next one',
    );
  });

  it('validates the name inline as it is typed', async () => {
    emu.seed(3, { prefix: 'taken-' });
    await ui.runCommand(page, 'Key Pairs: Create Server Key Pair');
    const box = await ui.waitForQuickInput(page);
    assert.equal(box.title, 'Create Server Key Pair');

    await ui.typeInQuickInput(page, 'web/server');
    const bad = await ui.waitForQuickInputMessage(page, /"\/" at position 4 is not allowed/, { error: true });
    assert.ok(bad.error);
    await page.waitForTimeout(300); // the toast of the previous step fades out
    await shot('2-inline-validation');

    await ui.typeInQuickInput(page, 'taken-00002');
    await ui.waitForQuickInputMessage(page, 'A key pair named "taken-00002" already exists in this account.', {
      error: true,
    });

    await ui.typeInQuickInput(page, `${'k'.repeat(256)}`);
    await ui.waitForQuickInputMessage(page, /1 character too long/, { error: true });
    const listCalls = emu.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/os-keypairs')).length;
    assert.equal(listCalls, 1, 'names fetched once, not per keystroke');
    await ui.cancelQuickInput(page);
  });

  it('creates a key pair from the palette: public key in an editor, private key 0600 in ~/.ssh', async () => {
    await ui.runCommand(page, 'Key Pairs: Create Server Key Pair');
    await ui.waitForQuickInput(page);
    await ui.typeInQuickInput(page, 'e2e key');
    await ui.waitForQuickInputMessage(page, 'Saves ~/.ssh/e2e_key and e2e_key.pub.', { error: false });
    await shot('1-name-input');
    await ui.acceptQuickInput(page);

    const toast = await ui.waitForNotification(page, /Key pair "e2e key" created/, 20_000);
    await page.waitForTimeout(300); // let the toast finish sliding in
    await shot('3-created');
    const priv = path.join(ssh(), 'e2e_key');
    const pub = fs.readFileSync(`${priv}.pub`, 'utf8');
    const tab = await page
      .locator('.editor-group-container.active .tabs-container .tab.active')
      .getAttribute('aria-label');
    assert.match(tab ?? '', /^e2e_key\.pub\b/);
    assert.equal((await ui.activeEditorText(page)).trim(), pub.trim());

    assert.equal(mode(priv), 0o600);
    assert.equal(mode(`${priv}.pub`), 0o644);
    assert.equal(keyData(execFileSync('ssh-keygen', ['-y', '-f', priv], { encoding: 'utf8' })), keyData(pub));
    const md5 = group(
      /MD5:(\S+)/,
      execFileSync('ssh-keygen', ['-E', 'md5', '-lf', `${priv}.pub`], { encoding: 'utf8' }),
    );
    assert.ok(toast.includes(md5), `fingerprint ${md5} in "${toast}"`);
    const onServer = emu.keypairs().find((k) => k.name === 'e2e key');
    assert.equal(onServer?.fingerprint, md5);
  });

  it('creates a key pair from the status bar item', async () => {
    await page.keyboard.press('Escape');
    await ui.clickStatusBarItem(page, 'keypairs.status');
    const box = await ui.waitForQuickInput(page);
    assert.equal(box.title, 'Create Server Key Pair');
    await page.waitForTimeout(300);
    await shot('4-status-bar');
    await ui.typeInQuickInput(page, 'from status bar');
    await ui.waitForQuickInputMessage(page, /^Saves /, { error: false });
    await ui.acceptQuickInput(page);
    await ui.waitForNotification(page, /Key pair "from status bar" created/, 20_000);
    const priv = path.join(ssh(), 'from_status_bar');
    assert.equal(mode(priv), 0o600);
    assert.equal(
      keyData(execFileSync('ssh-keygen', ['-y', '-f', priv], { encoding: 'utf8' })),
      keyData(fs.readFileSync(`${priv}.pub`, 'utf8')),
    );
    assert.ok(emu.keypairs().some((k) => k.name === 'from status bar'));
  });

  it('shows the key pairs in the Key Pairs view, the local ones marked', async () => {
    await page.keyboard.press('Escape');
    await page.locator('.part.activitybar .action-item a[aria-label^="Server Key Pairs"]').click();
    const sidebar = page.locator('.part.sidebar');
    for (const name of ['e2e key', 'from status bar', 'taken-00001']) {
      await sidebar
        .locator('.monaco-list-row', { hasText: name })
        .first()
        .waitFor({ state: 'visible', timeout: 15_000 });
    }
    const row = sidebar.locator('.monaco-list-row', { hasText: 'e2e key' }).first();
    const md5 = emu.keypairs().find((k) => k.name === 'e2e key')!.fingerprint;
    assert.ok((await row.textContent())?.includes(md5), 'fingerprint as description');
    await page.waitForTimeout(300);
    await shot('5-view');
  });

  it('imports an existing public key from ~/.ssh, checked locally first', async () => {
    await page.keyboard.press('Escape');
    const key = path.join(ssh(), 'laptop');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me@laptop', '-f', key]);
    const md5 = /MD5:(\S+)/.exec(
      execFileSync('ssh-keygen', ['-E', 'md5', '-lf', `${key}.pub`], { encoding: 'utf8' }),
    )![1];
    await ui.runCommand(page, 'Key Pairs: Import Public Key');
    await waitForItems(['laptop.pub']);
    const row = page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'laptop.pub' })
      .first();
    assert.match((await row.textContent()) ?? '', new RegExp(`ssh-ed25519 me@laptop.*MD5:${md5}`));
    await page.waitForTimeout(300);
    await shot('8-import');
    await pickRow('laptop.pub');
    // The name box opens with a name from the file (the comment has "@", not allowed at 2.10).
    await page.waitForFunction(
      (sel) =>
        (
          globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }
        ).document.querySelector(sel)?.value === 'laptop',
      '.quick-input-widget .quick-input-box input',
      { timeout: 10_000 },
    );

    await ui.acceptQuickInput(page);
    await ui.waitForNotification(
      page,
      `Key pair "laptop" imported from ~/.ssh/laptop.pub (${md5}); the fingerprint matches the local key.`,
      15_000,
    );
    const onServer = emu.keypairs().find((k) => k.name === 'laptop');
    assert.equal(onServer?.public_key.split(' ').slice(0, 2).join(' '), keyData(fs.readFileSync(`${key}.pub`, 'utf8')));
  });

  it('deletes a key pair from the view after a modal confirmation that names it', async () => {
    await page.keyboard.press('Escape');
    const sidebar = page.locator('.part.sidebar');
    const row = sidebar.locator('.monaco-list-row', { hasText: 'taken-00003' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click({ button: 'right' });
    await page.waitForTimeout(500); // the context menu opens with an animation
    await page.locator('.context-view .monaco-menu .action-label', { hasText: 'Delete Key Pair…' }).first().click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible' });
    assert.match((await dialog.textContent()) ?? '', /Delete key pair "taken-00003" from 127\.0\.0\.1:\d+\?/);
    await shot('9-delete-confirm');
    await dialog.locator('.monaco-button', { hasText: /^Delete Key Pair$/ }).click();
    await ui.waitForNotification(page, /Key pair "taken-00003" deleted from 127\.0\.0\.1:\d+\./);
    assert.ok(!emu.keypairs().some((k) => k.name === 'taken-00003'), 'gone from the server');
    await row.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('signs in to Rackspace step by step (with Back), picks a region, and creates there', async () => {
    await page.keyboard.press('Escape');
    await ui.runCommand(page, 'Key Pairs: Sign In');
    let qi = await ui.waitForQuickInput(page);
    assert.match(qi.title, /^Sign In to Rackspace or OpenStack/);
    await waitForItems([
      'Rackspace (US)',
      'Rackspace (UK)',
      'Rackspace: another Identity URL',
      'OpenStack (Keystone v3)',
      'Direct: Compute endpoint and API token',
    ]);
    // The emulator's Identity v2.0 stands in for Rackspace's: the URL is asked, and shown.
    await pickRow('Rackspace: another Identity URL');
    await ui.waitForQuickInputMessage(page, /Rackspace Identity v2\.0 URL/);
    await ui.typeInQuickInput(page, emu.identityUrl);
    await ui.acceptQuickInput(page);
    await waitForItems(['API key', 'Password']);
    // Back to the URL step (the URL kept), and forward again.
    await page.locator('.quick-input-widget .quick-input-left-action-bar .action-label').first().click();
    await ui.waitForQuickInputMessage(page, /Rackspace Identity v2\.0 URL/);
    await ui.acceptQuickInput(page);
    await waitForItems(['API key', 'Password']);
    await pickRow('API key');
    await ui.waitForQuickInputMessage(
      page,
      new RegExp(`Rackspace user name \\(signs in at ${new URL(emu.identityUrl).host.replace(/\./g, '\\.')}\\)`),
    );
    await ui.typeInQuickInput(page, 'demo');
    await ui.acceptQuickInput(page);
    await ui.waitForQuickInputMessage(page, /API key/);
    assert.equal(await page.locator('.quick-input-widget .quick-input-box input').getAttribute('type'), 'password');
    await ui.typeInQuickInput(page, 'wrong-key');
    await ui.acceptQuickInput(page);
    await ui.waitForQuickInputMessage(page, 'Rackspace did not accept the username or API key.', { timeoutMs: 15_000 });
    await shot('6-sign-in-error');
    await ui.typeInQuickInput(page, 'demo-api-key');
    await ui.acceptQuickInput(page);
    await waitForItems(['DFW', 'IAD', 'ORD']);
    await page.waitForTimeout(300);
    await shot('7-region');
    await pickRow('ORD');
    await ui.waitForNotification(page, 'Signed in as demo (Rackspace, tenant 123456). Key pairs go to region ORD.');

    await ui.runCommand(page, 'Key Pairs: Create Server Key Pair');
    qi = await ui.waitForQuickInput(page);
    assert.equal(qi.title, 'Create Server Key Pair in ORD');
    await ui.typeInQuickInput(page, 'ord key');
    await ui.waitForQuickInputMessage(page, /^Saves /, { error: false });
    await ui.acceptQuickInput(page);
    await ui.waitForNotification(page, /Key pair "ord key" created in ORD/, 20_000);
    const inOrd = emu.keypairs(undefined, 'ORD').map((k) => k.name);
    assert.deepEqual(inOrd, ['ord key']);

    // The account is in VS Code's Accounts menu, with its region.
    await page.locator('.part.activitybar .action-item a[aria-label^="Accounts"]').first().click();
    const account = page.locator('.context-view .monaco-menu .action-label', {
      hasText: 'demo (Rackspace, tenant 123456) · ORD',
    });
    await account.first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForTimeout(300);
    await shot('10-accounts-menu');
    await page.keyboard.press('Escape');

    const secrets = ['demo-api-key', 'wrong-key'];
    const settings = fs.readFileSync(path.join(server.userDataDir, 'User', 'settings.json'), 'utf8');
    for (const s of secrets) assert.ok(!settings.includes(s), 'no secret in user settings');
  });

  it('copies a key pair to the other regions: copied in DFW, left alone in IAD where another key has the name', async () => {
    // Another key under the same name already in IAD (the same account, through the static token).
    const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOPF6lgTgRiVu7wmk7l7SyrWsk3tgeSbsXyUqLk/1f1e other@host';
    const res = await fetch(`${emu.rackspaceComputeUrl('123456', 'IAD')}/os-keypairs`, {
      method: 'POST',
      headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ keypair: { name: 'ord key', public_key: other } }),
    });
    assert.equal(res.status, 200);
    const ours = keyData(must(emu.keypairs(undefined, 'ORD')[0], 'the pair in ORD').public_key);

    const sidebar = page.locator('.part.sidebar');
    const row = sidebar.locator('.monaco-list-row', { hasText: 'ord key' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click({ button: 'right' });
    await page.waitForTimeout(500); // the context menu opens with an animation
    await page.locator('.context-view .monaco-menu .action-label', { hasText: 'Copy to Regions…' }).first().click();
    const qi = await ui.waitForQuickInput(page, 15_000);
    assert.equal(qi.title, 'Copy "ord key" to Regions');
    await waitForItems(['DFW', 'IAD']);
    // A row by its label (a reused row may keep a hidden detail of an earlier pick in its text).
    const region = (name: string) =>
      page
        .locator('.quick-input-widget .quick-input-list .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) })
        .first();
    const description = async (name: string) =>
      ((await region(name).locator('.label-description').first().textContent()) ?? '').trim();
    assert.equal(await description('IAD'), 'another key is named "ord key" there');
    assert.equal(await description('DFW'), 'not there yet');
    assert.ok(!(await ui.quickInput(page)).items.includes('ORD'), 'not the region the pair is in');
    await region('DFW').click();
    await region('IAD').click();
    await page.waitForTimeout(300);
    await shot('11-copy-to-regions');
    await ui.acceptQuickInput(page);
    await ui.waitForNotification(
      page,
      'Copy of key pair "ord key" to other regions: DFW: copied. IAD: another key pair is named "ord key" there; it was left alone.',
      20_000,
    );
    assert.deepEqual(
      emu.keypairs(undefined, 'DFW').map((k) => [k.name, keyData(k.public_key)]),
      [['ord key', ours]],
    );
    assert.deepEqual(
      emu.keypairs(undefined, 'IAD').map((k) => [k.name, keyData(k.public_key)]),
      [['ord key', keyData(other)]],
      'the other pair in IAD is untouched',
    );
  });

  it('measures Enter → public key in the editor, against a floor in the same run (median of 5)', async () => {
    // Each create: Enter in the name box → the new .pub is the active editor, showing its key.
    // Each floor: the same host, the same editor, a file of the same bytes opened by Enter in
    // Go to File (a command, no network). The emulator's own time for the POST is recorded
    // too, so what the extension adds is total − POST − floor.
    const runs: { totalMs: number; postMs: number; floorMs: number }[] = [];
    for (let i = 1; i <= 5; i++) {
      await page.keyboard.press('Escape');
      const name = `latency ${i}`;
      const file = `latency_${i}`;
      await ui.runCommand(page, 'Key Pairs: Create Server Key Pair');
      await ui.waitForQuickInput(page);
      await ui.typeInQuickInput(page, name);
      await ui.waitForQuickInputMessage(page, /^Saves /, { error: false });
      const requestsBefore = emu.requests.length;
      // The key's base64 is not known before the answer: any "AAAA" (every OpenSSH key blob
      // starts so) in the .pub tab is the key itself.
      const totalMs = await ui.enterToEditor(page, `${file}.pub`, 'AAAA', () => ui.acceptQuickInput(page));
      const post = emu.requests
        .slice(requestsBefore)
        .find((r) => r.method === 'POST' && r.path.endsWith('/os-keypairs'));
      assert.ok(post?.durationMs !== undefined, 'the POST was answered');
      const pub = fs.readFileSync(path.join(ssh(), `${file}.pub`));
      assert.ok((await ui.activeEditorText(page)).includes(pub.toString('utf8').split(' ')[1] ?? '?'));

      const floorFile = `floor_${i}.pub`;
      fs.writeFileSync(path.join(server.folder, floorFile), pub);
      await ui.runCommand(page, 'Go to File...');
      await ui.typeInQuickInput(page, floorFile);
      await page
        .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: floorFile })
        .first()
        .waitFor({ state: 'visible', timeout: 15_000 });
      const floorMs = await ui.enterToEditor(page, floorFile, 'AAAA', () => ui.acceptQuickInput(page));
      runs.push({ totalMs, postMs: post.durationMs, floorMs });
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const floorMs = median(runs.map((r) => r.floorMs));
    const measure = {
      runs,
      totalMs: median(runs.map((r) => r.totalMs)),
      postMs: median(runs.map((r) => r.postMs)),
      floorMs,
      beyondMs: median(runs.map((r) => r.totalMs - r.postMs - floorMs)),
      at: new Date().toISOString(),
    };
    console.log(`    measure: Enter → editor ${JSON.stringify(measure)}`);
    recordMeasure('enterToEditor', measure);
    for (const r of runs) assert.ok(r.totalMs > r.postMs, 'the POST is part of Enter → editor');
  });

  async function pickRow(label: string): Promise<void> {
    await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first().click();
  }

  async function waitForItems(expected: string[]): Promise<void> {
    const end = Date.now() + 10_000;
    for (;;) {
      const { items } = await ui.quickInput(page);
      if (expected.every((e) => items.includes(e))) return;
      if (Date.now() > end) assert.fail(`quick pick items ${JSON.stringify(items)} lack ${JSON.stringify(expected)}`);
      await page.waitForTimeout(50);
    }
  }
});
