/**
 * The main flows under the pseudo-locale `qps-ploc` (code-server `--locale qps-ploc`, made
 * resolvable by test/support/codeServer.ts): sign in, create, the view, delete. Every string
 * this extension shows comes from its pseudo bundles, wrapped as `⟦…⟧`. The test reads each
 * surface the extension fills (messages and their buttons, quick input, dialogs, the view, the
 * status bar item, menus) and fails on any piece of the extension's English left unwrapped.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Emulator, startEmulator } from '../emulator/server';
import * as ui from '../support/browser';
import type { CodeServer } from '../support/codeServer';
import {
  CLOSE,
  englishPieces,
  extensionEnglish,
  leftoverWords,
  OPEN,
  pseudo,
  pseudoManifest,
  unwrappedEnglish,
} from '../support/pseudoLocale';

const ROOT = path.resolve(__dirname, '../../..');
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const NAME = 'zq-pseudo-7';
/** VS Code's own English inside a surface the extension fills (an input box's hint). */
const VSCODE_OWN = [/\(Press 'Enter' to confirm or 'Escape' to cancel\)/g];

/** A text the extension put on screen, and where. */
interface Shown {
  where: string;
  text: string;
  /** Every word is the extension's (else the surface mixes in VS Code's own English). */
  ours: boolean;
  /** A button: its whole label is one string of the extension. */
  button?: boolean;
}

// Minimal DOM shapes for the functions evaluated in the page (no "dom" lib in tsconfig).
interface El {
  textContent: string | null;
  offsetParent: unknown;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<El> };

/** What the extension shows right now: toasts, quick input, dialog, status bar item, menus. */
async function shownTexts(page: Page): Promise<Shown[]> {
  return page.evaluate(() => {
    const out: { where: string; text: string; ours: boolean; button?: boolean }[] = [];
    const visible = (e: El) => e.offsetParent !== null;
    const add = (where: string, text: string | null | undefined, ours: boolean, button = false) => {
      const t = (text ?? '').replace(/\s+/g, ' ').trim();
      if (t) out.push({ where, text: t, ours, ...(button && { button }) });
    };
    const all = (root: El | { querySelectorAll(s: string): ArrayLike<El> }, sel: string) =>
      Array.from(root.querySelectorAll(sel));
    for (const toast of all(document, '.notifications-toasts .notification-list-item')) {
      add('notification', toast.querySelector('.notification-list-item-message')?.textContent, true);
      for (const b of all(toast, '.notification-list-item-buttons-container .monaco-button')) {
        add('notification button', b.textContent, true, true);
      }
    }
    for (const qi of all(document, '.quick-input-widget').filter(visible)) {
      add('quick input title', qi.querySelector('.quick-input-title')?.textContent, true);
      add('quick input message', qi.querySelector('.quick-input-message')?.textContent, true);
      add('quick input placeholder', qi.querySelector('.quick-input-box input')?.getAttribute('placeholder'), true);
      // Label, description and detail of each row (the palette also shows a command's English
      // title beside a localised one: that is VS Code's, for searching in English).
      for (const row of all(qi, '.quick-input-list .monaco-list-row')) {
        for (const part of all(row, '.label-name, .label-description, .quick-input-list-detail').filter(visible)) {
          add('quick pick item', part.textContent, false);
        }
      }
    }
    for (const dialog of all(document, '.monaco-dialog-box').filter(visible)) {
      add('dialog message', dialog.querySelector('.dialog-message-text')?.textContent, true);
      add('dialog detail', dialog.querySelector('.dialog-message-detail')?.textContent, true);
      for (const b of all(dialog, '.dialog-buttons .monaco-button')) add('dialog button', b.textContent, true, true);
    }
    for (const item of all(document, '.part.statusbar .statusbar-item[id$="keypairs.status"]')) {
      add('status bar item', item.textContent, true);
      add('status bar item label', item.querySelector('a')?.getAttribute('aria-label'), false);
    }
    for (const label of all(document, '.context-view .monaco-menu .action-label').filter(visible)) {
      add('menu item', label.textContent, false);
    }
    return out;
  });
}

describe('the main flows under the pseudo-locale (e2e)', function () {
  this.timeout(180_000);
  const pieces = englishPieces(extensionEnglish(ROOT));
  // Words the test itself puts on screen: names, the account, its region, the emulator's host.
  const data = [
    'zq',
    'pseudo',
    '7',
    'demo',
    'ORD',
    'DFW',
    'IAD',
    'Rackspace',
    'ssh',
    'pub',
    'ed25519',
    'rsa',
    'web',
    'server',
  ];
  const seen = new Set<string>();
  let emu: Emulator;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let home: string;

  /** Reads what is shown now; asserts that it is wrapped (and that something of ours is shown). */
  async function checkShown(step: string, expectWhere: string[]): Promise<void> {
    const shown = await shownTexts(page);
    for (const where of expectWhere) {
      assert.ok(
        shown.some((s) => s.where === where && s.text.includes(OPEN)),
        `${step}: a pseudo-locale ${where} is shown (${JSON.stringify(shown)})`,
      );
    }
    const problems: string[] = [];
    for (const s of shown) {
      seen.add(s.where);
      // VS Code's own button on a modal or a cancellable progress.
      if (s.button && s.text === 'Cancel') continue;
      s.text = VSCODE_OWN.reduce((text, own) => text.replace(own, ' '), s.text);
      const english = unwrappedEnglish(s.text, pieces);
      if (english.length) problems.push(`${s.where} "${s.text}": English ${JSON.stringify(english)}`);
      const words = s.ours ? leftoverWords(s.text, data) : [];
      if (words.length) problems.push(`${s.where} "${s.text}": unwrapped words ${JSON.stringify(words)}`);
      if (s.button && !(s.text.startsWith(OPEN) && s.text.endsWith(CLOSE))) {
        problems.push(`${s.where} "${s.text}" is not one wrapped string`);
      }
    }
    assert.deepEqual(problems, [], `${step}: every string of the extension is localised`);
  }

  const command = (titleKey: string) => `${pseudoManifest(ROOT, 'category')}: ${pseudoManifest(ROOT, titleKey)}`;
  const row = (label: string) =>
    page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first();

  before(async () => {
    emu = await startEmulator({ tokens: [], maxMicroversion: '2.10' });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-e2e-pseudo-'));
    // The shipped .vsix leaves the pseudo-locale out; this one is the same build with it.
    const vsix = path.join(home, 'pseudo-locale.vsix');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/package.mjs'), '--out', vsix, '--with-pseudo-locale'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    ({ server, browser, page } = await ui.startWorkbench({
      home,
      vsix,
      locale: 'qps-ploc',
      userSettings: { 'keypairs.endpoint': emu.computeUrl },
    }));
  });

  after(async () => {
    await ui.stopWorkbench(browser, server);
    await emu?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('the manifest: the command titles in the palette and the status bar item', async () => {
    await ui.runCommand(page, command('keypairs.signIn.title'), 60_000);
    await ui.waitForQuickInput(page);
    await checkShown('Sign In opened', ['quick input title', 'status bar item']);
  });

  it('sign in: each step, a refused key, the region pick and the result', async () => {
    await row(pseudo(ROOT, 'Rackspace: another Identity URL')).click();
    await ui.waitForQuickInputMessage(page, new RegExp(OPEN));
    await checkShown('the Identity URL step', ['quick input title', 'quick input message']);
    await ui.typeInQuickInput(page, emu.identityUrl);
    await ui.acceptQuickInput(page);
    await row(pseudo(ROOT, 'API key')).waitFor({ state: 'visible', timeout: 10_000 });
    await checkShown('the credential kind', ['quick input title']);
    await row(pseudo(ROOT, 'API key')).click();
    await ui.waitForQuickInputMessage(page, new RegExp(OPEN));
    await ui.typeInQuickInput(page, 'demo');
    await ui.acceptQuickInput(page);
    // The API key step must be on screen before typing: under load the user name box is still
    // there for a moment, and the key typed into it would be taken as the user name.
    const apiKeyPrompt = pseudo(ROOT, 'API key (Account Settings in the Cloud Control Panel)');
    await ui.waitForQuickInputMessage(page, new RegExp(apiKeyPrompt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), {
      timeoutMs: 15_000,
    });
    await ui.typeInQuickInput(page, 'wrong-key');
    await ui.acceptQuickInput(page);
    await ui.waitForQuickInputMessage(page, new RegExp(OPEN), { error: true, timeoutMs: 15_000 });
    await checkShown('the refused API key', ['quick input message']);
    await ui.typeInQuickInput(page, 'demo-api-key');
    await ui.acceptQuickInput(page);
    await row('ORD').waitFor({ state: 'visible', timeout: 15_000 });
    await checkShown('the region pick', ['quick input title']);
    await row('ORD').click();
    await ui.waitForNotification(page, new RegExp(`^${OPEN}`), 15_000);
    await checkShown('signed in', ['notification']);
  });

  it('create: the name box, its inline validation, and the created message with its buttons', async () => {
    await ui.runCommand(page, command('keypairs.create.title'));
    await ui.waitForQuickInput(page);
    await ui.typeInQuickInput(page, 'web/server');
    await ui.waitForQuickInputMessage(page, new RegExp(OPEN), { error: true });
    await checkShown('an invalid name', ['quick input title', 'quick input message']);
    await ui.typeInQuickInput(page, NAME);
    await ui.waitForQuickInputMessage(page, new RegExp(OPEN), { error: false });
    await checkShown('a valid name', ['quick input message']);
    await ui.acceptQuickInput(page);
    const created = pseudo(ROOT, 'Key pair "{0}" created{1} ({2}). {3}').split('{1}')[0]?.replace('{0}', NAME);
    await ui.waitForNotification(page, created ?? NAME, 20_000);
    await page.waitForTimeout(300); // the toast slides in with its buttons
    await checkShown('created', ['notification', 'notification button']);
    assert.ok(fs.existsSync(path.join(home, '.ssh', NAME)), 'the private key is saved');
    await ui.screenshot(page, path.join(SHOTS, 'pseudo-locale-created.png'));
  });

  it('the view: its title and the key pair rows', async () => {
    await page.keyboard.press('Escape');
    await page
      .locator(`.part.activitybar .action-item a[aria-label^="${pseudoManifest(ROOT, 'displayName')}"]`)
      .click();
    const sidebar = page.locator('.part.sidebar');
    await sidebar.locator('.monaco-list-row', { hasText: NAME }).first().waitFor({ state: 'visible', timeout: 15_000 });
    const title = (await sidebar.locator('.composite.title').first().textContent()) ?? '';
    assert.ok(title.includes(pseudoManifest(ROOT, 'viewsContainers.keypairs.title')), `view title "${title}"`);
    const rows = await sidebar.locator('.monaco-list-row').allTextContents();
    const problems = rows.flatMap((text) => unwrappedEnglish(text, pieces).map((e) => `row "${text}": ${e}`));
    assert.deepEqual(problems, []);
    const header = (await sidebar.locator('.pane-header').allTextContents()).join(' ');
    assert.deepEqual(leftoverWords(header, data), [], `view header "${header}"`);
  });

  it('delete: the context menu, the modal that names the pair, and the result', async () => {
    const sidebar = page.locator('.part.sidebar');
    const deleteItem = page
      .locator('.context-view .monaco-menu .action-label', { hasText: pseudoManifest(ROOT, 'keypairs.delete.title') })
      .first();
    const dialog = page.locator('.monaco-dialog-box');
    // The view may still re-render after the create (a refresh): a menu opened on the row
    // it replaced does nothing. Open it again then, up to three times.
    for (let attempt = 1; ; attempt++) {
      await sidebar.locator('.monaco-list-row', { hasText: NAME }).first().click({ button: 'right' });
      await deleteItem.waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForTimeout(500); // the context menu opens with an animation
      if (attempt === 1) await checkShown('the context menu', ['menu item']);
      await deleteItem.click();
      const opened = await dialog.waitFor({ state: 'visible', timeout: 10_000 }).then(
        () => true,
        () => false,
      );
      if (opened) break;
      if (attempt === 3) assert.fail('the delete confirmation did not open after three tries');
      await page.keyboard.press('Escape');
    }
    await checkShown('the delete confirmation', ['dialog message', 'dialog button']);
    await dialog.locator('.monaco-button', { hasText: pseudo(ROOT, 'Delete Key Pair') }).click();
    await page
      .locator('.notifications-toasts .notification-list-item-message', { hasText: new RegExp(`^${OPEN}.*${NAME}`) })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
    await checkShown('deleted', ['notification']);
    assert.ok(!emu.keypairs(undefined, 'ORD').some((k) => k.name === NAME), 'gone from the server');
  });

  it('looked at every kind of surface', () => {
    for (const where of ['notification', 'notification button', 'quick input title', 'dialog button', 'menu item']) {
      assert.ok(seen.has(where), `${where} was checked`);
    }
  });
});
