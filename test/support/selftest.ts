// Self-test of the test host (about 25 s): generates a tiny extension in a temp dir, packages it
// with @vscode/vsce, installs it into code-server, drives its InputBox through the palette and
// the status bar, and runs a passing and a failing mocha test inside the extension host.
//   npx mocha out/test/support/selftest.js      (after scripts/setup-test-host.sh and a compile)
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createVSIX } from '@vscode/vsce';
import * as b from './browser';
import { locateTestHost, startCodeServer, TestHost } from './codeServer';
import { runExtensionHostTests } from './hostTests';
import { must } from './must';

const EXTENSION: Record<string, string> = {
  'package.json': JSON.stringify({
    name: 'selftest-ask',
    displayName: 'Selftest Ask',
    description: 'test host self-test',
    version: '0.0.1',
    publisher: 'keypairs-selftest',
    license: 'MIT',
    repository: { type: 'git', url: 'https://example.invalid/x.git' },
    engines: { vscode: '^1.90.0' },
    main: './extension.js',
    extensionKind: ['workspace'],
    activationEvents: ['onStartupFinished'],
    files: ['extension.js'],
    contributes: { commands: [{ command: 'selftest.ask', title: 'Ask Name', category: 'Selftest' }] },
  }),
  'README.md': '# Selftest\n',
  LICENSE: 'MIT\n',
  'extension.js': `const vscode = require('vscode');
exports.activate = (context) => {
  const item = vscode.window.createStatusBarItem('selftest.status', vscode.StatusBarAlignment.Left, 100);
  item.text = 'Selftest';
  item.command = 'selftest.ask';
  item.show();
  context.subscriptions.push(item, vscode.commands.registerCommand('selftest.ask', async () => {
    const name = await vscode.window.showInputBox({ title: 'Selftest name', prompt: 'Letters only',
      validateInput: (v) => (/^[a-z]+$/i.test(v) ? undefined : 'Only letters, please') });
    if (name) vscode.window.showInformationMessage('Hello ' + name + ' in ' + require('os').homedir());
  }));
};
`,
};

/** Runs fn with console.log/info/warn muted (vsce lists the packaged files). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = () => undefined;
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

describe('test host self-test', function () {
  this.timeout(120_000);
  let host: TestHost;
  let work: string;
  let ext: string;

  before(async () => {
    host = locateTestHost();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-selftest-'));
    ext = path.join(work, 'ext');
    fs.mkdirSync(ext);
    for (const [name, text] of Object.entries(EXTENSION)) fs.writeFileSync(path.join(ext, name), text);
  });
  after(() => work && fs.rmSync(work, { recursive: true, force: true }));

  it('installs a .vsix and drives its InputBox from the palette and the status bar', async () => {
    const vsix = path.join(work, 'selftest.vsix');
    await quietly(() => createVSIX({ cwd: ext, packagePath: vsix, dependencies: false }));
    const server = await startCodeServer({ host, vsix });
    const browser = await b.launchBrowser(host);
    try {
      const page = await b.openWorkbench(browser, server.url);
      await b.runCommand(page, 'Selftest: Ask Name');
      assert.strictEqual((await b.waitForQuickInput(page)).title, 'Selftest name');
      await b.typeInQuickInput(page, 'a1');
      await b.waitForQuickInputMessage(page, 'Only letters, please', { error: true });
      await b.typeInQuickInput(page, 'ada');
      await b.waitForQuickInputMessage(page, /^Letters only/, { error: false });
      await b.acceptQuickInput(page);
      assert.match(await b.waitForNotification(page, 'Hello ada'), new RegExp(`in ${server.home}$`));
      await b.clickStatusBarItem(page, 'selftest.status');
      await b.waitForQuickInput(page);
      await b.cancelQuickInput(page);
    } finally {
      await browser.close();
      await server.stop();
    }
    assert.ok(!fs.existsSync(server.userDataDir), 'stop() removes the temp dirs');
  });

  it('runs mocha inside the extension host and reports passes and failures', async () => {
    const suite = path.join(work, 'suite');
    fs.mkdirSync(suite);
    fs.writeFileSync(
      path.join(suite, 'host.test.js'),
      `const assert = require('assert');
const vscode = require('vscode');
describe('in the extension host', () => {
  it('sees the extension, its command and the environment', async () => {
    await vscode.extensions.getExtension('keypairs-selftest.selftest-ask').activate();
    assert.ok((await vscode.commands.getCommands(true)).includes('selftest.ask'));
    assert.strictEqual(process.env.SELFTEST_MARK, 'yes');
    assert.strictEqual(require('os').homedir(), process.env.SELFTEST_HOME);
  });
  it('reports a failure', () => assert.strictEqual(1, 2));
});
`,
    );
    const runner = path.join(work, 'runner.js');
    fs.writeFileSync(
      runner,
      `exports.run = () => require(${JSON.stringify(path.join(__dirname, 'hostRunner.js'))})` +
        `.runMochaInHost([${JSON.stringify(suite)}]);\n`,
    );
    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    const r = await runExtensionHostTests({
      host,
      extensionDevelopmentPath: ext,
      testsPath: runner,
      home,
      env: { SELFTEST_MARK: 'yes', SELFTEST_HOME: home },
    });
    assert.deepStrictEqual([r.passed, r.failed, r.exitCode], [1, 1, 1], r.output);
    const failure = must(r.failures[0], 'the reported failure');
    assert.strictEqual(failure.title, 'in the extension host reports a failure');
    assert.match(failure.error, /AssertionError/);
    assert.match(r.output, /1 passing/);
  });
});
