// The project's test command: compiles, then runs the suites named on the command line
// (default: all) and ends with one line `N passed, N failed` over all of them.
//   lint   tsc (strict, noUncheckedIndexedAccess) over src, test and bench, ESLint, Prettier, jscpd (scripts/lint.mjs)
//   unit   plain Node: core, emulator, flows (test/unit/**/*.test.ts)
//   faults the fault-matrix part of unit (files test/unit/faults*.test.ts)
//   host   mocha inside a real VS Code extension host (code-server) — test/host
//   e2e    a user driving VS Code in Chromium — test/e2e
//   floor  the host suite again, on the oldest VS Code `engines.vscode` admits (FLOOR below:
//          code-server of that version with the Node it ships, cached apart)
// Host and e2e first run scripts/setup-test-host.sh (idempotent, cached), before any suite:
// it installs openssh-server too, whose sshd the unit tests of remote keys start.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
process.chdir(root);

const ALL = ['lint', 'unit', 'host', 'e2e', 'floor'];

/**
 * The oldest VS Code the manifest admits, as code-server (npm) and the Node that VS Code ships.
 * 1.96 is the first with Node >= 20.18.1, which undici 7 requires. `engines.vscode` must say it.
 */
const FLOOR = { vscode: '1.96.0', codeServer: '4.96.4', node: '20.18.1' };
const floorEnv = {
  KEYPAIRS_TEST_NODE_VERSION: FLOOR.node,
  KEYPAIRS_TEST_CODE_SERVER_VERSION: FLOOR.codeServer,
  KEYPAIRS_TEST_HOST_DIR: path.join(
    process.env.HOME ?? '/root',
    '.cache',
    `server-keypairs-test-host-floor-${FLOOR.vscode}`,
  ),
};
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = asked.length ? asked : ALL;
for (const s of suites) {
  if (![...ALL, 'faults', 'floor'].includes(s)) {
    console.error(`unknown suite "${s}"; use: ${[...ALL, 'faults'].join(', ')}`);
    process.exit(2);
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

function testFiles(dir, filter = () => true) {
  const abs = path.join(root, 'out', dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js') && filter(path.basename(f)))
    .sort()
    .map((f) => path.join(abs, f));
}

/** Runs mocha in this process over `files`; resolves to its counts. */
async function mocha(files, options = {}) {
  const Mocha = require('mocha');
  const m = new Mocha({ reporter: 'spec', timeout: 30_000, ...options });
  files.forEach((f) => m.addFile(f));
  await m.loadFilesAsync();
  return new Promise((resolve) => {
    const runner = m.run(() => resolve({ passed: runner.stats.passes, failed: runner.stats.failures }));
  });
}

const started = Date.now();
const totals = { passed: 0, failed: 0 };
const add = (name, r) => {
  totals.passed += r.passed;
  totals.failed += r.failed;
  console.log(`\n${name}: ${r.passed} passed, ${r.failed} failed\n`);
};

// out/ from scratch: a test file moved or removed in src or test must not leave its old
// compiled copy behind to run (the suites find their files by walking out/).
rmSync(path.join(root, 'out'), { recursive: true, force: true });
run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.']);

if (suites.includes('lint')) {
  // npm run lint: one check each (tsc over src, test and bench, ESLint, Prettier, jscpd over src).
  const r = spawnSync(process.execPath, ['scripts/lint.mjs'], {
    stdio: ['inherit', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  process.stdout.write(r.stdout);
  const m = /lint: (\d+) passed, (\d+) failed/.exec(r.stdout);
  add('lint', m ? { passed: Number(m[1]), failed: Number(m[2]) } : { passed: 0, failed: 1 });
}

// The test host first: it also installs openssh-server, which unit tests use (test/support/sshd.ts).
const needsHost = suites.includes('host') || suites.includes('e2e') || suites.includes('floor');
if (needsHost) run('bash', [path.join(root, 'scripts/setup-test-host.sh')]);

// The floor's own code-server installs while the unit suite runs (a fresh machine spends about
// two minutes on it, mostly waiting on npm and native builds); its output is shown when the
// floor suite starts, so it does not interleave with the unit suite's.
const floorSetup = suites.includes('floor')
  ? inBackground('bash', [path.join(root, 'scripts/setup-test-host.sh')], floorEnv)
  : undefined;

/** Runs a command with its output kept; resolves to its exit status and output. */
function inBackground(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => out.push(b));
    child.on('error', (err) => resolve({ status: 1, output: `${cmd}: ${err.message}\n` }));
    child.on('close', (status) => resolve({ status, output: Buffer.concat(out).toString('utf8') }));
  });
}

if (suites.includes('unit') || suites.includes('faults')) {
  const only = suites.includes('unit') ? () => true : (f) => f.startsWith('faults');
  add('unit', await mocha(testFiles('test/unit', only)));
}

if (needsHost) run(process.execPath, ['scripts/build.mjs']);

if (suites.includes('host')) {
  const { runHostSuite } = require(path.join(root, 'out/test/host/run.js'));
  add('host', await runHostSuite());
}

if (suites.includes('e2e')) {
  run(process.execPath, ['scripts/package.mjs']);
  add('e2e', await mocha(testFiles('test/e2e'), { timeout: 120_000 }));
}

if (suites.includes('floor')) {
  const engines = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines.vscode;
  if (engines !== `^${FLOOR.vscode}`) {
    console.error(`engines.vscode is ${engines}, but the floor suite runs VS Code ${FLOOR.vscode}`);
    add('floor', { passed: 0, failed: 1 });
  } else {
    const floorStarted = Date.now();
    const setup = await floorSetup;
    process.stdout.write(setup?.output ?? '');
    if (setup?.status !== 0) {
      console.error(`\nscripts/setup-test-host.sh for the floor failed (exit ${setup?.status})`);
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
    Object.assign(process.env, floorEnv);
    const { runHostSuite } = require(path.join(root, 'out/test/host/run.js'));
    add('floor', await runHostSuite());
    for (const k of Object.keys(floorEnv)) delete process.env[k];
    console.log(
      `floor (VS Code ${FLOOR.vscode}, code-server ${FLOOR.codeServer}): ${Math.round((Date.now() - floorStarted) / 1000)} s`,
    );
  }
}

console.log(`suites: ${suites.join(', ')} in ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
