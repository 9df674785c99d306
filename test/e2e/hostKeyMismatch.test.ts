/**
 * Issue 19, the stop: a user in a real VS Code (code-server + Chromium) connects to a new server
 * backed by a real sshd whose console (emulator) lists a different host key than the one the
 * sshd presents (a reused address, a reinstalled server, or someone in the middle). Nothing
 * connects: no terminal, no login on the sshd, nothing pinned, and the message shows both SHA256
 * fingerprints and what it may mean.
 *
 * ssh takes `~` from the passwd entry: code-server runs with its temp HOME as passwd home too
 * (test/support/passwdHome.ts), so every ssh here reads <home>/.ssh, never the machine's.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { firstBootConsole, madeUpHostKeys } from '../emulator/console';
import { Emulator, startEmulator } from '../emulator/server';
import * as ui from '../support/browser';
import type { CodeServer } from '../support/codeServer';
import { must } from '../support/must';
import { passwdHomeProblem } from '../support/passwdHome';
import { Sshd, sshdProblem } from '../support/sshd';
import { SshdBacking, sshdBacking } from '../support/sshdBacking';

const ROOT = path.resolve(__dirname, '../../..');
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const TOKEN = 'e2e-token';
const VSIX = () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
};

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sha256Of = (dir: string, line: string) => {
  const file = path.join(dir, `k-${Math.random().toString(36).slice(2)}.pub`);
  fs.writeFileSync(file, `${line}\n`);
  return must(/SHA256:\S+/.exec(execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }))?.[0], 'SHA256');
};

describe("Connect stops when the server's host key is not the one its console lists (e2e, issue 19)", function () {
  this.timeout(180_000);
  let emu: Emulator;
  let backing: SshdBacking;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  let home: string;

  before(async () => {
    const problem = sshdProblem() ?? passwdHomeProblem();
    if (problem) throw new Error(`This test needs a real sshd and a private mount namespace. ${problem}`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-e2e-mismatch-'));
    home = path.join(tmp, 'home');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
    backing = sshdBacking();
    emu = await startEmulator({ tokens: [TOKEN], serverBacking: backing });
    ({ server, browser, page } = await ui.startWorkbench({
      home,
      vsix: VSIX(),
      passwdHome: true,
      userSettings: { 'keypairs.endpoint': emu.computeUrl, 'terminal.integrated.gpuAcceleration': 'off' },
    }));
  });

  after(async () => {
    await ui.stopWorkbench(browser, server);
    await emu?.close();
    await backing?.stopAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('nothing connects, and the message shows the presented and the listed fingerprints', async () => {
    await ui.runCommand(page, 'Key Pairs: Set API Token');
    await ui.waitForQuickInput(page);
    await ui.typeInQuickInput(page, TOKEN);
    await ui.acceptQuickInput(page);
    await ui.waitForStatusBarText(page, 'API token saved in secret storage.');
    await ui.runCommand(page, 'Key Pairs: Create Server Key Pair');
    await ui.waitForQuickInput(page);
    await ui.typeInQuickInput(page, 'mitm-key');
    await ui.waitForQuickInputMessage(page, 'Saves ~/.ssh/mitm-key and mitm-key.pub.', { error: false });
    await ui.acceptQuickInput(page);
    await ui.waitForNotification(page, /Key pair "mitm-key" created/, 20_000);

    const made = await emu.createServer({ name: 'web-9', keyName: 'mitm-key', image: { osAdminUser: 'root' } });
    const sshd: Sshd = must(backing.sshdFor(made.id), 'the server is backed by a real sshd');
    // The console lists another machine's key: the one the user should be talking to.
    const listed = must(madeUpHostKeys()[0], 'a made-up host key');
    emu.setConsole(made.id, firstBootConsole({ hostname: 'web-9', hostKeys: [listed], distro: 'debian' }));
    const presented = sshd.hostPublicKeys.map((k) => sha256Of(tmp, k));
    const expected = sha256Of(tmp, listed);

    await page.keyboard.press('Escape');
    await ui.runCommand(page, 'Key Pairs: Connect to Server…');
    // The server pick, then the steps (address when several, user, alias), each as offered.
    await until('the last step', async () => {
      const s = await ui.quickInput(page);
      if (!s.visible) return undefined;
      if (/^Host alias/.test(s.message)) return s;
      if (s.items.length > 0 || /^User to log in as/.test(s.message)) {
        await ui.acceptQuickInput(page);
        await page.waitForTimeout(200);
      }
      return undefined;
    });
    await ui.acceptQuickInput(page);

    // A modal, read in full (a toast would show only its first line).
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Nothing was opened' });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(text, /Nothing was opened: server "web-9" presents the host key/);
    const shown = must(/presents the host key (SHA256:[A-Za-z0-9+/]+)/.exec(text)?.[1], 'the presented fingerprint');
    assert.ok(presented.includes(shown), `one of the sshd's own keys (${presented.join(', ')}): ${text}`);
    assert.ok(text.includes(`but its console lists ${expected}.`), `the console's fingerprint ${expected}: ${text}`);
    assert.match(text, /reinstalled.*another server.*intercepting/);
    await ui.screenshot(page, path.join(SHOTS, '19-host-key-mismatch.png'));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });

    // Nothing connected: no terminal, no login, nothing pinned or trusted.
    assert.equal(await page.locator('.terminal-wrapper .xterm').count(), 0, 'no terminal opened');
    assert.doesNotMatch(sshd.log(), /Accepted publickey/, 'never logged in');
    assert.ok(!fs.existsSync(path.join(home, '.ssh', 'server-keypairs_known_hosts')), 'nothing pinned');
    assert.ok(!fs.existsSync(path.join(home, '.ssh', 'known_hosts')), 'nothing trusted');
    // And the entry written makes the user's own ssh refuse too (strict checking, no key pinned).
    const config = fs.readFileSync(path.join(home, '.ssh', 'config'), 'utf8');
    assert.match(config, /^\s*StrictHostKeyChecking yes$/m);
    assert.match(config, /^\s*UserKnownHostsFile ~\/\.ssh\/server-keypairs_known_hosts ~\/\.ssh\/known_hosts$/m);
  });
});
