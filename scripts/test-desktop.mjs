// `npm run test:desktop`: the extension-host suite (test/host) in desktop VS Code through
// @vscode/test-electron, against the emulator. Uses $VSCODE_EXECUTABLE when set, else
// downloads VS Code (stable) where the machine can. Where no desktop VS Code can be had
// (as on the project's CI machines, which reach no download server) it says so and exits 0:
// the same suite runs in code-server there (`npm run test:host`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
process.chdir(root);

const { runTests, downloadAndUnzipVSCode } = require('@vscode/test-electron');

let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
if (vscodeExecutablePath && !existsSync(vscodeExecutablePath)) {
  console.error(`VSCODE_EXECUTABLE=${vscodeExecutablePath} does not exist.`);
  process.exit(1);
}
if (!vscodeExecutablePath) {
  try {
    vscodeExecutablePath = await Promise.race([
      downloadAndUnzipVSCode({ version: 'stable', cachePath: path.join(root, '.cache', 'vscode-test') }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 60 s')), 60_000)),
    ]);
  } catch (err) {
    console.log(
      `No desktop VS Code is available here (${err instanceof Error ? err.message.split('\n')[0] : err}).\n` +
        'Set VSCODE_EXECUTABLE to a VS Code binary, or run where VS Code can be downloaded.\n' +
        'The same extension-host suite runs in code-server: npm run test:host',
    );
    console.log('0 passed, 0 failed');
    process.exit(0);
  }
}

for (const [what, args] of [
  ['compile', [require.resolve('typescript/bin/tsc'), '-p', '.']],
  ['build', ['scripts/build.mjs']],
]) {
  if (spawnSync(process.execPath, args, { stdio: 'inherit' }).status !== 0) {
    console.error(`${what} failed`);
    process.exit(1);
  }
}

const { startEmulator } = require(path.join(root, 'out/test/emulator/server.js'));
const emu = await startEmulator({ tokens: ['host-test-token'], maxMicroversion: '2.10' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'keypairs-desktop-'));
const userDataDir = path.join(tmp, 'user-data');
mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
writeFileSync(
  path.join(userDataDir, 'User', 'settings.json'),
  JSON.stringify({ 'keypairs.endpoint': emu.computeUrl, 'security.workspace.trust.enabled': false }),
);
const results = path.join(tmp, 'results.json');
let code = 1;
try {
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/host/index.js'),
    launchArgs: [path.join(tmp), '--user-data-dir', userDataDir, '--disable-extensions'],
    extensionTestsEnv: { KEYPAIRS_EMULATOR: emu.url, KEYPAIRS_HOST_RESULTS: results, HOME: tmp },
  });
  code = 0;
} catch (err) {
  console.error(`desktop suite failed: ${err instanceof Error ? err.message : err}`);
} finally {
  await emu.close();
}
const r = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : { passed: 0, failed: 1 };
if (existsSync(`${results}.log`)) process.stdout.write(readFileSync(`${results}.log`, 'utf8'));
rmSync(tmp, { recursive: true, force: true });
console.log(`${r.passed} passed, ${r.failed} failed`);
process.exit(code || r.failed ? 1 : 0);
