/**
 * When things really happened in the page, by the page's own clock: each state the quick input
 * showed (stamped at the animation frame that paints it, not when a test's poll noticed it), and
 * each mouse press and key press the page received. The e2e Connect measure counts the time the
 * test took to answer a step as (Enter received − step painted), and starts Connect's and its
 * floor's clocks at the input the page received. Times are epoch ms (`performance.timeOrigin +
 * performance.now()`); {@link pageClockOffset} says how far that is from Node's `Date.now()`.
 */
import type { Page } from 'playwright-core';

export interface QuickInputShown {
  at: number;
  visible: boolean;
  title: string;
  message: string;
  value: string;
  firstItem: string;
}

export interface PageTimes {
  states: QuickInputShown[];
  keys: { at: number; key: string; ctrl: boolean; alt: boolean; shift: boolean }[];
  mouseDowns: number[];
  /** When a terminal (an xterm element) was first painted. */
  terminals: number[];
  /** When a notification toast was first painted. */
  toasts: number[];
}

const QI = '.quick-input-widget';

/** Starts recording in `page` (again: the records start empty). */
export async function recordPageTimes(page: Page): Promise<void> {
  await page.evaluate((qi) => {
    type El = {
      querySelectorAll(s: string): { length: number };
      style: { display: string };
      offsetParent: unknown;
      textContent: string | null;
      value?: string;
      querySelector(s: string): El | null;
    };
    const g = globalThis as unknown as {
      document: { querySelector(s: string): El | null; querySelectorAll(s: string): { length: number }; body: unknown };
      MutationObserver: new (cb: () => void) => { observe(node: unknown, o: object): void; disconnect(): void };
      requestAnimationFrame(cb: () => void): void;
      addEventListener(type: string, cb: (e: Record<string, unknown>) => void, capture: boolean): void;
      removeEventListener(type: string, cb: unknown, capture: boolean): void;
      performance: { timeOrigin: number; now(): number };
      skpTimes?: PageTimes & { stop(): void };
    };
    g.skpTimes?.stop();
    const now = () => g.performance.timeOrigin + g.performance.now();
    const rec: PageTimes = { states: [], keys: [], mouseDowns: [], terminals: [], toasts: [] };
    let last = '';
    const snap = () => {
      const w = g.document.querySelector(qi);
      const visible = !!w && w.style.display !== 'none' && w.offsetParent !== null;
      const text = (s: string) => (w?.querySelector(s)?.textContent ?? '').trim();
      const state = {
        visible,
        title: visible ? text('.quick-input-title') : '',
        message: visible ? text('.quick-input-message') : '',
        value: visible ? (w?.querySelector('.quick-input-box input')?.value ?? '') : '',
        firstItem: visible ? text('.quick-input-list .monaco-list-row .label-name') : '',
      };
      const key = JSON.stringify(state);
      if (key === last) return;
      last = key;
      // Painted in the frame after this callback: stamped there.
      g.requestAnimationFrame(() => rec.states.push({ at: now(), ...state }));
    };
    // Terminals and toasts appearing anywhere in the workbench (counted, stamped at their frame).
    const counts = {
      terminals: g.document.querySelectorAll('.xterm').length,
      toasts: g.document.querySelectorAll('.notification-toast').length,
    };
    const appeared = () => {
      watch();
      for (const [field, selector] of [
        ['terminals', '.xterm'],
        ['toasts', '.notification-toast'],
      ] as const) {
        const n = g.document.querySelectorAll(selector).length;
        if (n > counts[field]) g.requestAnimationFrame(() => rec[field].push(now()));
        counts[field] = n;
      }
    };
    const bodyObserver = new g.MutationObserver(appeared);
    bodyObserver.observe(g.document.body, { subtree: true, childList: true });
    // The quick input's widget exists once something was asked in the window: watched from then on.
    const observer = new g.MutationObserver(snap);
    let watched = false;
    const watch = () => {
      const widget = g.document.querySelector(qi);
      if (watched || !widget) return;
      watched = true;
      observer.observe(widget, { subtree: true, childList: true, attributes: true, characterData: true });
      snap();
    };
    watch();
    const onKey = (e: Record<string, unknown>) =>
      rec.keys.push({ at: now(), key: String(e.key), ctrl: !!e.ctrlKey, alt: !!e.altKey, shift: !!e.shiftKey });
    const onMouse = () => rec.mouseDowns.push(now());
    g.addEventListener('keydown', onKey, true);
    g.addEventListener('mousedown', onMouse, true);
    g.skpTimes = Object.assign(rec, {
      stop: () => {
        observer.disconnect();
        bodyObserver.disconnect();
        g.removeEventListener('keydown', onKey, true);
        g.removeEventListener('mousedown', onMouse, true);
      },
    });
  }, QI);
}

/** What was recorded since {@link recordPageTimes}. */
export async function pageTimes(page: Page): Promise<PageTimes> {
  return page.evaluate(() => {
    const t = (globalThis as unknown as { skpTimes?: PageTimes }).skpTimes;
    if (!t) throw new Error('recordPageTimes was not called in this page');
    return { states: t.states, keys: t.keys, mouseDowns: t.mouseDowns, terminals: t.terminals, toasts: t.toasts };
  });
}

/**
 * Page clock − Node clock (ms), from the closest of five round trips: add it to a Node time to
 * get the page's, subtract it from a page time to get Node's.
 */
export async function pageClockOffset(page: Page): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 5; i++) {
    const before = Date.now();
    const inPage = await page.evaluate(() => {
      const p = (globalThis as unknown as { performance: { timeOrigin: number; now(): number } }).performance;
      return p.timeOrigin + p.now();
    });
    const after = Date.now();
    if (after - before < best.rtt) best = { rtt: after - before, offset: inPage - (before + after) / 2 };
  }
  return best.offset;
}
