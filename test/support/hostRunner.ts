// The in-host side of hostTests.ts: runs mocha inside the VS Code extension host, where the
// test files can `require('vscode')`. A test runner module (the extensionTestsPath) does:
//
//   export function run(): Promise<void> { return runMochaInHost([path.join(__dirname, 'suite')]); }
//
// Results go to the JSON file named by $KEYPAIRS_HOST_RESULTS (the extension host inherits
// code-server's environment), and the reporter's text to `<that file>.log` as it is produced
// (console.log cannot be reassigned in the extension host; Mocha's Base.consoleLog can).
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';
import Mocha from 'mocha';

export const RESULTS_ENV = 'KEYPAIRS_HOST_RESULTS';

export interface HostResults {
  passed: number;
  failed: number;
  pending: number;
  failures: Array<{ title: string; error: string }>;
  output: string;
}

/** Test files: the given .js files, and the files matching `pattern` under the given directories. */
function collectFiles(entries: string[], pattern: RegExp): string[] {
  const files: string[] = [];
  const walk = (p: string): void => {
    if (fs.statSync(p).isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) {
        const child = path.join(p, name);
        if (fs.statSync(child).isDirectory() || pattern.test(name)) walk(child);
      }
    } else {
      files.push(p);
    }
  };
  for (const e of entries) walk(path.resolve(e));
  return files;
}

/**
 * Runs the mocha tests in `files` (test files or directories holding `*.test.js`) and resolves
 * when all passed; rejects (so the workbench reports exit code 1) when any failed.
 */
export async function runMochaInHost(
  files: string[],
  options: Mocha.MochaOptions & { pattern?: RegExp } = {},
): Promise<void> {
  const resultsFile = process.env[RESULTS_ENV];
  const logFile = resultsFile ? `${resultsFile}.log` : undefined;
  let output = '';
  const originalConsoleLog = Mocha.reporters.Base.consoleLog;
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
    const line = `${format(...args)}\n`;
    output += line;
    if (logFile) fs.appendFileSync(logFile, line);
    else originalConsoleLog(...args);
  };

  const { pattern = /\.test\.js$/, ...mochaOptions } = options;
  const mocha = new Mocha({ ui: 'bdd', timeout: 20_000, color: false, reporter: 'spec', ...mochaOptions });
  const results: HostResults = { passed: 0, failed: 0, pending: 0, failures: [], output: '' };
  try {
    const testFiles = collectFiles(files, pattern);
    if (testFiles.length === 0) throw new Error(`No test files in ${files.join(', ')}`);
    for (const f of testFiles) mocha.addFile(f);
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => {
        results.passed++;
      });
      runner.on('pending', () => {
        results.pending++;
      });
      runner.on('fail', (test, err: Error) => {
        results.failed++;
        results.failures.push({ title: test.fullTitle(), error: err?.stack ?? String(err) });
      });
    });
  } catch (err) {
    // Errors while loading the test files (syntax errors, a throwing require) count as one failure.
    results.failed++;
    results.failures.push({
      title: 'loading the tests',
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  } finally {
    Mocha.reporters.Base.consoleLog = originalConsoleLog;
  }
  results.output = output;
  if (resultsFile) {
    fs.writeFileSync(`${resultsFile}.tmp`, JSON.stringify(results, null, 2));
    fs.renameSync(`${resultsFile}.tmp`, resultsFile);
  }
  if (results.failed > 0) throw new Error(`${results.failed} of ${results.passed + results.failed} tests failed`);
}
