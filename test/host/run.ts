/**
 * `npm run test:host`: starts the emulator here, then code-server with this repository as
 * the extension under development, and runs test/host/suite inside its extension host.
 * The suite reaches the emulator through KEYPAIRS_EMULATOR (its control API); KEYPAIRS_HOST_GREP
 * (a regular expression over full test titles) runs only some tests.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../emulator/server';
import { runExtensionHostTests } from '../support/hostTests';
import { passwdHomeProblem } from '../support/passwdHome';

const ROOT = path.resolve(__dirname, '../../..');

export async function runHostSuite(): Promise<{ passed: number; failed: number }> {
  const emu = await startEmulator({ tokens: ['host-test-token'], maxMicroversion: '2.10' });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-host-home-'));
  try {
    const results = await runExtensionHostTests({
      extensionDevelopmentPath: ROOT,
      testsPath: path.join(__dirname, 'index.js'),
      home,
      // ssh (Connect's host key check, its pins) takes `~` from the passwd entry: the temp home
      // here too, never the machine's ~/.ssh.
      passwdHome: passwdHomeProblem() === undefined,
      env: {
        KEYPAIRS_EMULATOR: emu.url,
        // A regular expression: only the host tests whose full title matches run (test/host/index.ts).
        ...(process.env.KEYPAIRS_HOST_GREP ? { KEYPAIRS_HOST_GREP: process.env.KEYPAIRS_HOST_GREP } : {}),
      },
      userSettings: {
        'keypairs.endpoint': emu.computeUrl,
        // Connect writes here (as Remote - SSH's setting says); connect.test.ts fills it first.
        'remote.SSH.configFile': path.join(home, 'remote-ssh', 'config'),
      },
    });
    process.stdout.write(results.output);
    for (const f of results.failures) console.log(`FAILED ${f.title}\n${f.error}\n`);
    return { passed: results.passed, failed: results.failed };
  } finally {
    await emu.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
