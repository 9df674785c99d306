/**
 * Issue 18, as a user meets it in a real VS Code (code-server + Chromium) with real ssh and sshd:
 *
 * - The opened folder is a cloned repository whose own `.vscode/settings.json` points
 *   `remote.SSH.configFile` at a file in it holding `Match exec "touch <marker>"` (no Remote-SSH
 *   extension is installed, so VS Code passes the workspace value through). Connect must neither
 *   write that file nor run ssh on it: the marker never appears and the file keeps its bytes.
 * - The user's `~/.ssh/config` starts with `Include ~/.ssh/config.d/*`, where `Host web` points
 *   at another machine of theirs (here a listener on 127.0.0.1 that counts connections). The
 *   cloud server is also named `web`: Connect must not connect there. It suggests another alias,
 *   refuses `web` (naming the file), and the terminal's `ssh web-2` (no `-F`: the default file,
 *   so /etc/ssh/ssh_config applies too) logs in to the cloud server's sshd, its host key pinned
 *   from the server's console first (no question).
 *
 * ssh takes `~` from the passwd entry: code-server runs with its temp HOME as passwd home too
 * (test/support/passwdHome.ts), so every ssh here reads <home>/.ssh, never the machine's.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Emulator, startEmulator } from '../emulator/server';
import * as ui from '../support/browser';
import type { CodeServer } from '../support/codeServer';
import { passwdHomeProblem } from '../support/passwdHome';
import { Sshd, sshdProblem } from '../support/sshd';
import { SshdBacking, sshdBacking } from '../support/sshdBacking';

const ROOT = path.resolve(__dirname, '../../..');
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

describe('Connect goes to the server picked, through settings only the user controls (e2e, issue 18)', function () {
  this.timeout(180_000);
  let emu: Emulator;
  let backing: SshdBacking;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  let home: string;
  let repo: string;
  let repoConfig: string;
  let repoConfigBytes: Buffer;
  let marker: string;
  let decoy: net.Server;
  let decoyConnections = 0;

  before(async () => {
    const problem = sshdProblem() ?? passwdHomeProblem();
    if (problem) throw new Error(`This test needs a real sshd and a private mount namespace. ${problem}`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-e2e-righthost-'));
    home = path.join(tmp, 'home');
    const sshDir = path.join(home, '.ssh');
    fs.mkdirSync(path.join(sshDir, 'config.d'), { recursive: true, mode: 0o700 });

    // The user's other machine named "web": anything that connects is counted.
    decoy = net.createServer((socket) => {
      decoyConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    const decoyPort = (decoy.address() as net.AddressInfo).port;
    fs.writeFileSync(path.join(sshDir, 'config'), 'Include ~/.ssh/config.d/*\n', { mode: 0o600 });
    fs.writeFileSync(
      path.join(sshDir, 'config.d', 'work'),
      `Host web\n  HostName 127.0.0.1\n  Port ${decoyPort}\n  User deploy\n`,
      { mode: 0o600 },
    );

    // The cloned repository and its own settings.
    repo = path.join(tmp, 'repo');
    marker = path.join(tmp, 'match-exec-ran');
    repoConfig = path.join(repo, 'ssh_config');
    fs.mkdirSync(path.join(repo, '.vscode'), { recursive: true });
    fs.writeFileSync(repoConfig, `Match exec "touch ${marker}"\n  User nobody\n`, { mode: 0o600 });
    repoConfigBytes = fs.readFileSync(repoConfig);
    fs.writeFileSync(
      path.join(repo, '.vscode', 'settings.json'),
      JSON.stringify({ 'remote.SSH.configFile': repoConfig }, null, 2),
    );

    backing = sshdBacking();
    emu = await startEmulator({ tokens: [TOKEN], serverBacking: backing });
    ({ server, browser, page } = await ui.startWorkbench({
      home,
      folder: repo,
      vsix: VSIX(),
      passwdHome: true,
      userSettings: { 'keypairs.endpoint': emu.computeUrl, 'terminal.integrated.gpuAcceleration': 'off' },
    }));
  });

  after(async () => {
    await ui.stopWorkbench(browser, server);
    await emu?.close();
    await backing?.stopAll();
    decoy?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("ignores the repository's remote.SSH.configFile, refuses the alias an included file holds, and logs in to the server picked", async () => {
    await ui.runCommand(page, 'Key Pairs: Set API Token');
    await ui.waitForQuickInput(page);
    await ui.typeInQuickInput(page, TOKEN);
    await ui.acceptQuickInput(page);
    await ui.waitForStatusBarText(page, 'API token saved in secret storage.');
    await ui.runCommand(page, 'Key Pairs: Create Server Key Pair');
    await ui.waitForQuickInput(page);
    await ui.typeInQuickInput(page, 'web-key');
    await ui.waitForQuickInputMessage(page, 'Saves ~/.ssh/web-key and web-key.pub.', { error: false });
    await ui.acceptQuickInput(page);
    await ui.waitForNotification(page, /Key pair "web-key" created/, 20_000);
    const made = await emu.createServer({ name: 'web', keyName: 'web-key', image: { osAdminUser: 'root' } });
    const sshd: Sshd = backing.sshdFor(made.id)!;
    assert.ok(sshd, 'the server is backed by a real sshd');

    await page.keyboard.press('Escape');
    await ui.runCommand(page, 'Key Pairs: Connect to Server…');
    const pick = await until('the server pick', async () => {
      const s = await ui.quickInput(page);
      return s.visible && s.items.includes('web') ? s : undefined;
    });
    assert.ok(pick.items.includes('web'));
    await ui.acceptQuickInput(page);
    // The workspace's value is not used, and the user is told which file is.
    await ui.waitForNotification(
      page,
      /This workspace sets remote\.SSH\.configFile to ".*ssh_config"\. Only your user settings choose the SSH config, so ~\/\.ssh\/config is used\./,
      15_000,
    );
    // Steps up to the alias: the address (when there are several) and the user, as offered.
    const aliasBox = await until('the alias box', async () => {
      const s = await ui.quickInput(page);
      if (!s.visible) return undefined;
      if (/^Host alias/.test(s.message)) return s;
      if (s.items.length > 0 || /^User to log in as/.test(s.message)) {
        await ui.acceptQuickInput(page);
        await page.waitForTimeout(200);
      }
      return undefined;
    });
    assert.equal(aliasBox.value, 'web-2', 'not "web": that name is the user\'s own entry');
    // Typed anyway: refused, naming the file ssh would take it from.
    await ui.typeInQuickInput(page, 'web');
    await ui.waitForQuickInputMessage(page, /^"web" is already your own entry in ~\/\.ssh\/config\.d\/work, line 1/, {
      error: true,
    });
    await ui.typeInQuickInput(page, 'web-2');
    await ui.acceptQuickInput(page);

    // First contact is verified against the server's console: ssh asks nothing and logs in.
    const term = page.locator('.terminal-wrapper .xterm').first();
    await term.waitFor({ state: 'visible', timeout: 20_000 });
    await until('sshd to accept the key', () => /Accepted publickey for/.test(sshd.log()) || undefined);
    // The terminal runs plain `ssh web-2`: the default config, no -F (so /etc/ssh/ssh_config applies).
    const processes = execFileSync('ps', ['-ww', '-eo', 'args'], { encoding: 'utf8' }).split('\n');
    const sshProcesses = processes
      .map((l) => l.trim().replace(/^\S*\/ssh\s/, 'ssh '))
      .filter((l) => /^ssh\s.*\bweb-2$/.test(l));
    assert.deepEqual(sshProcesses, ['ssh web-2'], processes.filter((l) => /ssh/.test(l)).join('\n'));
    assert.doesNotMatch((await ui.terminalText(page)).replace(/\n/g, ''), /continue connecting/);

    assert.equal(decoyConnections, 0, 'no connection went to the other host named "web"');
    assert.equal(fs.existsSync(marker), false, "the repository's Match exec never ran");
    assert.deepEqual(fs.readFileSync(repoConfig), repoConfigBytes, "the repository's file is unchanged");
    const userConfig = fs.readFileSync(path.join(home, '.ssh', 'config'), 'utf8');
    assert.match(userConfig, /^Host web-2$/m);
    assert.match(userConfig, new RegExp(`^\\s*HostName ${sshd.address.replace(/\./g, '\\.')}$`, 'm'));
    assert.ok(userConfig.startsWith('Include ~/.ssh/config.d/*\n'), 'the Include stays first');
  });
});
