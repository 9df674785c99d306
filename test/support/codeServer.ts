// Starts code-server (a real VS Code server + web workbench) for UI and extension-host tests.
// The host (Node 24, code-server, chromium) is installed by scripts/setup-test-host.sh into a
// cache directory; this module runs under the project's Node 20 and spawns code-server with the
// cached Node 24, in its own process group so that stop() ends the server and all its children.
import { ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { withPasswdHome } from './passwdHome';

export interface TestHost {
  nodeBin: string;
  codeServerEntry: string;
  /** Module path of playwright-core, for require(). */
  playwrightCore: string;
  chromium: string;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT, without a trailing slash. */
  url: string;
  port: number;
  home: string;
  userDataDir: string;
  extensionsDir: string;
  folder: string;
  /** Ends the process group (TERM, then KILL) and removes the temp dirs it created. Idempotent. */
  stop(): Promise<void>;
  /** code-server's stdout and stderr so far. */
  log(): string;
}

export interface StartOptions {
  host?: TestHost;
  /** HOME of code-server and so of the extension host (os.homedir()). Default: a temp dir. */
  home?: string;
  /** Folder opened by the workbench. Default: an empty temp dir. */
  folder?: string;
  /** Default: a free port. */
  port?: number;
  /** Added to the environment, which the extension host inherits. */
  env?: Record<string, string>;
  /** Merged over the quiet defaults in DEFAULT_USER_SETTINGS. */
  userSettings?: Record<string, unknown>;
  /**
   * Let the workbench honour extensionDevelopmentPath/extensionTestsPath (see hostTests.ts).
   * A built VS Code reads them from the URL payload only with its smoke-test driver on, which
   * code-server enables with `--vscode-option enable-smoke-test-driver`. Older code-servers
   * (4.96 among them) have no `--vscode-option`, and their VS Code reads the payload without it;
   * see {@link acceptsVscodeOption}.
   */
  smokeTestDriver?: boolean;
  /** Installed (with installVsix), in order, before the server starts. */
  vsix?: string | readonly string[];
  /** Display language (code-server's --locale), e.g. the pseudo-locale `qps-ploc`. */
  locale?: string;
  /**
   * Give the account's passwd entry the home `home` too (see ./passwdHome.ts), so that the
   * `ssh` run by the extension and its terminals reads and writes `<home>/.ssh`, not the real
   * one. Needs root.
   */
  passwdHome?: boolean;
}

const SETUP_HINT = 'run `bash scripts/setup-test-host.sh` (installs Node 24, code-server and chromium)';

export const DEFAULT_USER_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
};

export function testHostDir(): string {
  return process.env.KEYPAIRS_TEST_HOST_DIR || path.join(os.homedir(), '.cache', 'server-keypairs-test-host');
}

/** Finds the host installed by scripts/setup-test-host.sh; throws a clear error if it is not there. */
export function locateTestHost(): TestHost {
  const dir = testHostDir();
  const marker = path.join(dir, 'host.json');
  let info: { nodeBin?: string; codeServerEntry?: string; chromium?: string };
  try {
    info = JSON.parse(fs.readFileSync(marker, 'utf8'));
  } catch {
    throw new Error(`The VS Code test host is not installed (no ${marker}): ${SETUP_HINT}.`);
  }
  for (const file of [info.nodeBin, info.codeServerEntry, info.chromium]) {
    if (!file || !fs.existsSync(file)) {
      throw new Error(`The VS Code test host in ${dir} is incomplete (${file ?? 'a path'} is missing): ${SETUP_HINT}.`);
    }
  }
  let playwrightCore: string;
  try {
    playwrightCore = require.resolve('playwright-core');
  } catch {
    throw new Error('playwright-core is not installed: run `npm ci` (it is a devDependency).');
  }
  return { nodeBin: info.nodeBin!, codeServerEntry: info.codeServerEntry!, playwrightCore, chromium: info.chromium! };
}

/** The environment for code-server: ours minus variables that would make it act as a CLI of
 *  another VS Code, change its port or load code into it, plus HOME and `extra`. */
function serverEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      !/^(VSCODE_|ELECTRON_|CODE_SERVER_|npm_)/.test(k) &&
      !['NODE_OPTIONS', 'PORT', 'PASSWORD', 'HASHED_PASSWORD'].includes(k)
    ) {
      env[k] = v;
    }
  }
  return { ...env, HOME: home, ...extra };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\n${out}`));
      else resolve(out);
    });
  });
}

const vscodeOptionSupport = new Map<string, Promise<boolean>>();

/**
 * Whether this code-server takes `--vscode-option` (4.139 does, 4.96 rejects it as an unknown
 * option and exits), read from its `--help` once per installation.
 */
export function acceptsVscodeOption(host: TestHost): Promise<boolean> {
  let known = vscodeOptionSupport.get(host.codeServerEntry);
  if (!known) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-code-server-help-'));
    known = run(host.nodeBin, [host.codeServerEntry, '--help'], serverEnv(home), 30_000)
      .then((help) => /^\s*--vscode-option\b/m.test(help))
      .finally(() => fs.rmSync(home, { recursive: true, force: true }));
    vscodeOptionSupport.set(host.codeServerEntry, known);
  }
  return known;
}

/** Installs a .vsix into extensionsDir the way `code --install-extension` does. */
export async function installVsix(
  host: TestHost,
  vsix: string,
  dirs: { home: string; userDataDir: string; extensionsDir: string },
): Promise<void> {
  const args = [
    host.codeServerEntry,
    '--user-data-dir',
    dirs.userDataDir,
    '--extensions-dir',
    dirs.extensionsDir,
    '--install-extension',
    path.resolve(vsix),
    '--force',
  ];
  const out = await run(host.nodeBin, args, serverEnv(dirs.home), 120_000);
  if (!/successfully installed/i.test(out)) throw new Error(`Installing ${vsix} failed:\n${out}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Running servers (process group -> temp dir): killed and removed if this process exits
 *  without stopping them (a crash, an uncaught error, mocha's --exit). */
const liveGroups = new Map<number, string>();
process.once('exit', () => {
  for (const [pid, root] of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    try {
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      /* best effort */
    }
  }
});

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes VS Code resolve `locale` as its display language, with no language pack from the
 * Marketplace: VS Code accepts a `--locale` only when `<user data>/languagepacks.json` lists
 * it. The entry's translations for VS Code itself are empty (its own strings stay English);
 * extensions then load their `package.nls.<locale>.json` and `l10n/bundle.l10n.<locale>.json`.
 */
function registerLanguage(userDataDir: string, locale: string, root: string): void {
  const translations = path.join(root, `vscode.${locale}.i18n.json`);
  fs.writeFileSync(translations, JSON.stringify({ version: '1.0.0', contents: {} }));
  const pack = { extensionIdentifier: { id: `keypairs-test.${locale}-pack` }, version: '1.0.0' };
  const entry = { hash: `test-${locale}`, extensions: [pack], translations: { vscode: translations }, label: locale };
  fs.writeFileSync(path.join(userDataDir, 'languagepacks.json'), JSON.stringify({ [locale]: entry }));
}

export async function startCodeServer(opts: StartOptions = {}): Promise<CodeServer> {
  const host = opts.host ?? locateTestHost();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-code-server-'));
  const home = opts.home ?? path.join(root, 'home');
  const folder = opts.folder ?? path.join(root, 'workspace');
  const userDataDir = path.join(root, 'data');
  const extensionsDir = path.join(root, 'extensions');
  const removeRoot = () => fs.rmSync(root, { recursive: true, force: true });
  let child: ChildProcess | undefined;
  try {
    for (const d of [home, folder, extensionsDir, path.join(userDataDir, 'User')]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...opts.userSettings }, null, 2),
    );
    if (opts.locale) registerLanguage(userDataDir, opts.locale, root);
    const config = path.join(root, 'config.yaml'); // keeps code-server away from ~/.config/code-server
    fs.writeFileSync(config, 'auth: none\ncert: false\n');
    for (const vsix of typeof opts.vsix === 'string' ? [opts.vsix] : (opts.vsix ?? [])) {
      await installVsix(host, vsix, { home, userDataDir, extensionsDir });
    }

    const port = opts.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const args = [
      host.codeServerEntry,
      '--config',
      config,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      ...(opts.smokeTestDriver && (await acceptsVscodeOption(host))
        ? ['--vscode-option', 'enable-smoke-test-driver']
        : []),
      ...(opts.locale ? ['--locale', opts.locale] : []),
      folder,
    ];
    const launch = opts.passwdHome ? withPasswdHome(home, root, host.nodeBin, args) : { command: host.nodeBin, args };
    const proc = spawn(launch.command, launch.args, {
      env: serverEnv(home, opts.env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.once('error', () => undefined); // a failed spawn shows as a missing pid
    const pid = proc.pid;
    if (!pid) throw new Error(`Could not start ${host.nodeBin}`);
    liveGroups.set(pid, root);
    let output = '';
    const collect = (b: Buffer) => {
      output = (output + b.toString()).slice(-2_000_000);
    };
    proc.stdout.on('data', collect);
    proc.stderr.on('data', collect);
    let exited: string | undefined;
    proc.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
    });

    const deadline = Date.now() + 30_000;
    while (!(await healthy(url))) {
      if (exited) throw new Error(`code-server ${exited} before it was ready:\n${output}`);
      if (Date.now() > deadline) throw new Error(`code-server not ready on ${url}/healthz after 30 s:\n${output}`);
      await sleep(100);
    }

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const killAt = Date.now() + 3000;
        while (groupAlive(pid) && Date.now() < killAt) await sleep(50);
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        const giveUpAt = Date.now() + 2000; // orphans may linger as zombies if PID 1 does not reap
        while (groupAlive(pid) && Date.now() < giveUpAt) await sleep(20);
        liveGroups.delete(pid);
        removeRoot();
      })());
    return { url, port, home, userDataDir, extensionsDir, folder, stop, log: () => output };
  } catch (err) {
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      liveGroups.delete(child.pid);
    }
    removeRoot();
    throw err;
  }
}
