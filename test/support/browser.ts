// Drives the code-server workbench in Debian's chromium with playwright-core, the way a user
// would: command palette, quick input (InputBox / QuickPick), notifications, editor, status bar.
// Selectors are those of VS Code 1.139 (code-server 4.139.1), checked there.
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CodeServer, locateTestHost, StartOptions, startCodeServer, TestHost } from './codeServer';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

// Minimal DOM shapes for the functions evaluated in the page (the root tsconfig has no "dom" lib,
// and adding it would change the global types of the Node code).
interface DomEl {
  textContent: string | null;
  getAttribute(name: string): string | null;
  value?: string;
  offsetParent: unknown;
  style: { top: string; display: string };
  querySelector(selector: string): DomEl | null;
  querySelectorAll(selector: string): ArrayLike<DomEl>;
}
declare const document: DomEl;

const QI = '.quick-input-widget';
const QI_INPUT = `${QI} .quick-input-box input`;
const QI_ROWS = `${QI} .quick-input-list .monaco-list-row`;

export async function launchBrowser(host: TestHost = locateTestHost()): Promise<Browser> {
  const pw = require(host.playwrightCore) as typeof import('playwright-core');
  return pw.chromium.launch({ executablePath: host.chromium, args: CHROMIUM_ARGS, headless: true });
}

/** Opens `url` (a code-server URL) in a fresh context (empty SecretStorage) and waits for the workbench. */
export async function openWorkbench(browser: Browser, url: string, timeoutMs = 30_000): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return openWorkbenchIn(context, url, timeoutMs);
}

/** The workbench at `url` in a new page of `context` (its storage and HTTP cache shared with the context's other pages). */
export async function openWorkbenchIn(context: BrowserContext, url: string, timeoutMs = 30_000): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });
  return page;
}

/** Label text of each rendered quick-input row, in the order of the row locators. */
async function rowLabels(page: Page): Promise<string[]> {
  return page
    .locator(QI_ROWS)
    .evaluateAll((rows: DomEl[]) =>
      rows.map((r) => (r.querySelector('.label-name')?.textContent ?? r.textContent ?? '').trim()),
    );
}

/**
 * Runs a command through the palette: opens it, types `title` and picks the row whose label is
 * exactly `title` (e.g. "Key Pairs: Create Server Key Pair"). Until the remote extensions are
 * registered the palette answers "No matching commands"; it is then closed and reopened.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator(QI_INPUT);
  const paletteOpen = () =>
    page
      .waitForFunction(
        (sel) => {
          const e = document.querySelector(sel);
          return !!e && e.offsetParent !== null && !!e.value?.startsWith('>');
        },
        QI_INPUT,
        { timeout: 2000 },
      )
      .then(
        () => true,
        () => false,
      );
  for (;;) {
    await page.keyboard.press('Control+Shift+P');
    if (!(await paletteOpen())) {
      // The keyboard focus is outside the workbench (e.g. nothing focused yet): click the editor area.
      await page.locator('.part.editor').click();
      await page.keyboard.press('Control+Shift+P');
      if (!(await paletteOpen())) throw new Error('The command palette did not open');
    }
    await input.fill(`>${title}`);
    const rowsUntil = Date.now() + 1000;
    while (Date.now() < rowsUntil) {
      const index = (await rowLabels(page)).findIndex((l) => l === title);
      if (index >= 0) {
        await page.locator(QI_ROWS).nth(index).click(); // a click on a row accepts it, like Enter
        // The palette is gone when the widget hides or is reused (e.g. by the command's InputBox).
        await page.waitForFunction(
          ([sel, typed]) => {
            const input = document.querySelector(sel);
            return !input || input.offsetParent === null || input.value !== typed;
          },
          [QI_INPUT, `>${title}`] as const,
          { timeout: 5000 },
        );
        return;
      }
      await page.waitForTimeout(100); // the documented palette race; the row list is re-rendered
    }
    const labels = await rowLabels(page);
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) {
      throw new Error(`Command "${title}" not found in the palette; rows: ${JSON.stringify(labels)}`);
    }
  }
}

export interface QuickInputState {
  visible: boolean;
  title: string;
  value: string;
  /** Prompt or validation message (.quick-input-message). */
  message: string;
  /** True when the message is a validation error. */
  error: boolean;
  /** Labels of the rows (QuickPick). */
  items: string[];
}

/** Snapshot of the quick input widget (InputBox or QuickPick). */
export async function quickInput(page: Page): Promise<QuickInputState> {
  return page.evaluate((qi) => {
    const w = document.querySelector(qi);
    const visible = !!w && w.style.display !== 'none' && w.offsetParent !== null;
    const text = (sel: string) => (w?.querySelector(sel)?.textContent ?? '').trim();
    return {
      visible,
      title: text('.quick-input-title'),
      value: w?.querySelector('.quick-input-box input')?.value ?? '',
      message: text('.quick-input-message'),
      error: !!w?.querySelector('.quick-input-box .monaco-inputbox.error'),
      items: Array.from(w?.querySelectorAll('.quick-input-list .monaco-list-row .label-name') ?? []).map((e: DomEl) =>
        (e.textContent ?? '').trim(),
      ),
    };
  }, QI);
}

/** Waits until the quick input is shown (e.g. after a command opened an InputBox). */
export async function waitForQuickInput(page: Page, timeoutMs = 10_000): Promise<QuickInputState> {
  await page.locator(QI_INPUT).waitFor({ state: 'visible', timeout: timeoutMs });
  return quickInput(page);
}

/** Replaces the text of the quick input box by typing `text` as a user would. */
export async function typeInQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator(QI_INPUT);
  await input.waitFor({ state: 'visible' });
  await input.press('Control+A');
  await input.press('Backspace');
  if (text) await input.pressSequentially(text);
}

/** Waits until the quick input message matches (validation runs asynchronously) and returns the state. */
export async function waitForQuickInputMessage(
  page: Page,
  expected: string | RegExp,
  opts: { error?: boolean; timeoutMs?: number } = {},
): Promise<QuickInputState> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  for (;;) {
    const s = await quickInput(page);
    const match = typeof expected === 'string' ? s.message === expected : expected.test(s.message);
    if (match && (opts.error === undefined || s.error === opts.error)) return s;
    if (Date.now() > deadline) {
      throw new Error(
        `Quick input message ${JSON.stringify(s.message)} (error: ${s.error}) does not match ${expected}` +
          (opts.error === undefined ? '' : ` (error: ${opts.error})`),
      );
    }
    await page.waitForTimeout(50);
  }
}

/** Enter in the quick input (accept). */
export async function acceptQuickInput(page: Page): Promise<void> {
  await page.locator(QI_INPUT).press('Enter');
}

/** Escape in the quick input (cancel) and wait until it is hidden. */
export async function cancelQuickInput(page: Page): Promise<void> {
  await page.locator(QI_INPUT).press('Escape');
  await page.locator(QI_INPUT).waitFor({ state: 'hidden' });
}

/**
 * Chooses `label` in the open context menu, as a user does: clicks it and waits for the menu to
 * close. A click that lands while the menu is still settling only highlights the item (seen
 * under load): then Enter runs the highlighted item, once.
 */
export async function chooseContextMenuItem(page: Page, label: string, timeoutMs = 10_000): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu');
  const item = menu.locator('.action-label', { hasText: label }).first();
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  await item.click();
  const closed = await menu.waitFor({ state: 'hidden', timeout: 1_500 }).then(
    () => true,
    () => false,
  );
  if (closed) return;
  await item.hover();
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'hidden', timeout: timeoutMs });
}

/** Texts of the notification toasts currently shown. */
export async function notifications(page: Page): Promise<string[]> {
  return (await page.locator('.notifications-toasts .notification-list-item-message').allTextContents()).map((t) =>
    t.trim(),
  );
}

/** Waits for a toast whose text contains `expected` (or matches it) and returns its text. */
export async function waitForNotification(page: Page, expected: string | RegExp, timeoutMs = 10_000): Promise<string> {
  const loc = page.locator('.notifications-toasts .notification-list-item-message', { hasText: expected }).first();
  await loc.waitFor({ state: 'visible', timeout: timeoutMs });
  return ((await loc.textContent()) ?? '').trim();
}

/** Waits for a status bar text (a quiet confirmation, `setStatusBarMessage`) containing `expected`. */
export async function waitForStatusBarText(page: Page, expected: string | RegExp, timeoutMs = 10_000): Promise<string> {
  const loc = page.locator('.part.statusbar .statusbar-item', { hasText: expected }).first();
  await loc.waitFor({ state: 'visible', timeout: timeoutMs });
  return ((await loc.textContent()) ?? '').trim();
}

/** Title of the active editor tab, or '' when no editor is open. */
export async function activeEditorTitle(page: Page): Promise<string> {
  const tab = page.locator('.editor-group-container.active .tabs-container .tab.active .label-name').first();
  return (await tab.count()) ? ((await tab.textContent()) ?? '').trim() : '';
}

/** Text of the active editor as rendered (visible lines only; enough for short documents). */
export async function activeEditorText(page: Page, timeoutMs = 10_000): Promise<string> {
  const sel = '.editor-group-container.active .editor-instance .monaco-editor .view-lines';
  await page.locator(sel).first().waitFor({ state: 'visible', timeout: timeoutMs });
  return page
    .locator(sel)
    .first()
    .evaluate((el: DomEl) =>
      Array.from(el.querySelectorAll('.view-line'))
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' '))
        .join('\n'),
    );
}

/**
 * Text of the visible integrated terminal, one line per row (trailing blanks trimmed). Needs
 * xterm's DOM renderer (`terminal.integrated.gpuAcceleration: "off"`): the canvas and WebGL
 * renderers draw the text, the DOM one writes it into `.xterm-rows`.
 */
export async function terminalText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const rows =
      document.querySelector('.terminal-wrapper.active .xterm-rows') ?? document.querySelector('.xterm-rows');
    if (!rows) return '';
    return Array.from(rows.querySelectorAll(':scope > div'))
      .map((r: DomEl) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd())
      .join('\n')
      .trimEnd();
  });
}

export async function screenshot(page: Page, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}

/** Clicks a status bar item by its contributed id (e.g. "keypairs.status") or by its text. */
export async function clickStatusBarItem(page: Page, textOrId: string, timeoutMs = 10_000): Promise<void> {
  const byId = page.locator(`.part.statusbar .statusbar-item[id$="${textOrId.replace(/["\\]/g, '\\$&')}"]`);
  const byText = page.locator('.part.statusbar .statusbar-item', { hasText: textOrId });
  const item = byId.or(byText).first();
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  await item.locator('a, .statusbar-item-label').first().click();
}

/**
 * Arms a timer in the page, then runs `press` (which must send the Enter that starts the work).
 * Resolves to the milliseconds, on the page's clock, from that Enter's keydown to the first DOM
 * change after which the active editor tab is `tabLabel` and its text contains `text`.
 * Both ends are seen inside the page, so the figure holds no Playwright round trip.
 */
export async function enterToEditor(
  page: Page,
  tabLabel: string,
  text: string,
  press: () => Promise<void>,
  timeoutMs = 30_000,
): Promise<number> {
  await page.evaluate(
    ([label, expected, timeout]) => {
      const win = globalThis as unknown as {
        keypairsMeasure?: Promise<number>;
        addEventListener(type: string, fn: (e: { key: string }) => void, capture: boolean): void;
        removeEventListener(type: string, fn: (e: { key: string }) => void, capture: boolean): void;
        MutationObserver: new (fn: () => void) => { observe(n: unknown, o: object): void; disconnect(): void };
        performance: { now(): number };
        setTimeout(fn: () => void, ms: number): number;
      };
      win.keypairsMeasure = new Promise<number>((resolve, reject) => {
        let enterAt: number | undefined;
        const onKey = (e: { key: string }) => {
          if (e.key === 'Enter' && enterAt === undefined) enterAt = win.performance.now();
        };
        const shown = () => {
          // The tab's aria-label starts with the file name (its .label-name may leave out the extension).
          const tab = document.querySelector('.editor-group-container.active .tabs-container .tab.active');
          const lines = document.querySelector('.editor-group-container.active .monaco-editor .view-lines');
          const tabName = (tab?.getAttribute('aria-label') ?? '').split(',')[0]?.trim();
          return tabName === label && (lines?.textContent ?? '').includes(expected);
        };
        const observer = new win.MutationObserver(() => {
          if (enterAt === undefined || !shown()) return;
          const elapsed = win.performance.now() - enterAt;
          observer.disconnect();
          win.removeEventListener('keydown', onKey, true);
          resolve(elapsed);
        });
        win.addEventListener('keydown', onKey, true);
        observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
        win.setTimeout(() => {
          const tab = document.querySelector('.editor-group-container.active .tabs-container .tab.active');
          const seen = `tab "${tab?.getAttribute('aria-label') ?? ''}", Enter ${enterAt === undefined ? 'not seen' : 'seen'}`;
          reject(new Error(`${label} with "${expected}" not shown after ${timeout} ms (${seen})`));
        }, timeout);
      });
    },
    [tabLabel, text, timeoutMs] as const,
  );
  await press();
  return page.evaluate(() => (globalThis as unknown as { keypairsMeasure: Promise<number> }).keypairsMeasure);
}

/** code-server with the extension (see startCodeServer), Chromium, and its workbench open on the folder. */
export async function startWorkbench(
  options: StartOptions,
): Promise<{ server: CodeServer; browser: Browser; page: Page }> {
  const server = await startCodeServer(options);
  try {
    const browser = await launchBrowser();
    const page = await openWorkbench(browser, `${server.url}/?folder=${encodeURIComponent(server.folder)}`);
    return { server, browser, page };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** Closes what startWorkbench opened (either may be unset when the start failed). */
export async function stopWorkbench(browser: Browser | undefined, server: CodeServer | undefined): Promise<void> {
  await browser?.close();
  await server?.stop();
}
