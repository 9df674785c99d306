/** The extensionTestsPath: runs test/host/suite inside the extension host. */
import * as path from 'node:path';
import { runMochaInHost } from '../support/hostRunner';

export function run(): Promise<void> {
  return runMochaInHost([path.join(__dirname, 'suite')], { timeout: 30_000 });
}
