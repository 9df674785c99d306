// Runs a mocha suite inside a real VS Code extension host (code-server's), from Node 20:
// starts code-server with the smoke-test driver, opens the workbench in chromium with
// extensionDevelopmentPath/extensionTestsPath in the URL payload, waits for the workbench to call
// codeAutomationExit, and reads the results that hostRunner.ts wrote to $KEYPAIRS_HOST_RESULTS.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { CodeServer, locateTestHost, startCodeServer, TestHost } from './codeServer';
import { HostResults, RESULTS_ENV } from './hostRunner';

export interface HostTestOptions {
  /** Folder of the extension under test (its package.json). */
  extensionDevelopmentPath: string;
  /** Absolute path of a compiled runner module exporting run(): Promise<void> (see hostRunner.ts). */
  testsPath: string;
  /** Added to code-server's environment, which the extension host inherits. */
  env?: Record<string, string>;
  /** Workspace folder (default: an empty temp dir). */
  folder?: string;
  /** HOME of the extension host (default: a temp dir). */
  home?: string;
  /** Give the account's passwd entry that home too, so ssh's `~` is it (see ./passwdHome.ts). */
  passwdHome?: boolean;
  userSettings?: Record<string, unknown>;
  host?: TestHost;
  /** Whole run, from the start of code-server (default 5 min). */
  timeoutMs?: number;
}

export interface HostTestResults extends HostResults {
  /** What the workbench passed to codeAutomationExit: 0 when run() resolved, 1 when it rejected. */
  exitCode: number;
}

export async function runExtensionHostTests(opts: HostTestOptions): Promise<HostTestResults> {
  const host = opts.host ?? locateTestHost();
  const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-host-results-'));
  const resultsFile = path.join(resultsDir, 'results.json');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const pageLog: string[] = [];
  try {
    server = await startCodeServer({
      host,
      home: opts.home,
      folder: opts.folder,
      passwdHome: opts.passwdHome,
      smokeTestDriver: true,
      userSettings: opts.userSettings,
      env: { ...opts.env, [RESULTS_ENV]: resultsFile },
    });
    browser = await launchBrowser(host);
    const page = await (await browser.newContext()).newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') pageLog.push(m.text());
    });
    let settle: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => {
      settle = resolve;
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(code)); // before navigating
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server!.port}${path.resolve(p)}`;
    const payload = [
      ['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(opts.testsPath)],
    ];
    await page.goto(
      `${server.url}/?folder=${encodeURIComponent(server.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    );

    const diagnostics = () =>
      `Test output so far:\n${fs.existsSync(`${resultsFile}.log`) ? fs.readFileSync(`${resultsFile}.log`, 'utf8') : ''}\n` +
      `Browser errors (last 20):\n${pageLog.slice(-20).join('\n')}\ncode-server log:\n${server!.log().slice(-5000)}`;
    const timeoutMs = opts.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exitCode,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`Extension-host tests did not finish within ${timeoutMs / 1000} s.\n${diagnostics()}`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    if (!fs.existsSync(resultsFile)) {
      throw new Error(
        `The extension host exited with ${code} without writing results (does ${opts.testsPath} call runMochaInHost?).\n${diagnostics()}`,
      );
    }
    return { ...(JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as HostResults), exitCode: code };
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    fs.rmSync(resultsDir, { recursive: true, force: true });
  }
}
