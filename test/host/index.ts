/**
 * The extensionTestsPath: runs test/host/suite inside the extension host.
 * KEYPAIRS_HOST_GREP (a regular expression) runs only the tests whose full title matches.
 */
import * as path from 'node:path';
import { runMochaInHost } from '../support/hostRunner';

export function run(): Promise<void> {
  const grep = process.env.KEYPAIRS_HOST_GREP;
  return runMochaInHost([path.join(__dirname, 'suite')], { timeout: 30_000, ...(grep ? { grep } : {}) });
}
