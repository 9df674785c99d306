/**
 * What VS Code shows from the installed package, in a real VS Code (code-server + Chromium), for
 * the shipped .vsix installed as a user installs one.
 *
 * - VS Code's details page (Extensions view) loads README images only from https: (its Markdown
 *   sanitizer drops relative `src`s, its content security policy is `img-src https: data:`).
 *   With no public repository the package's README is text only (scripts/package.mjs): the
 *   details page shows its text and no image that cannot load.
 * - The walkthrough (Help > Get Started) loads its media from the package: each step's
 *   screenshot is shown (naturalWidth > 0), from the installed extension's folder.
 * - Once the README's images point at an HTTPS copy of the repository's files, as they do when
 *   package.json names the real repository (vsce rewrites the paths to it), each one loads in
 *   the details page: proven with `scripts/package.mjs --base-images-url` and a local HTTPS
 *   server that serves this checkout's files.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import * as ui from '../support/browser';
import { CodeServer, startCodeServer } from '../support/codeServer';
import { exactly, must } from '../support/must';

const ROOT = path.resolve(__dirname, '../../..');
interface Step {
  id: string;
  media: { image?: string; altText?: string };
}
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  displayName: string;
  publisher: string;
  contributes: { walkthroughs: { id: string; title: string; steps: Step[] }[] };
};
// Manifest strings go through package.nls.json ("%displayName%" in package.json).
const NLS = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
const nls = (value: string) => value.replace(/^%(.+)%$/, (_whole, key: string) => NLS[key] ?? key);
const DISPLAY_NAME = nls(PKG.displayName);
const SHIPPED_VSIX = path.join(ROOT, `${PKG.name}-${PKG.version}.vsix`);
const EXTENSION_ID = `${PKG.publisher}.${PKG.name}`;
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');

// Minimal DOM shapes for the functions evaluated in the page (no "dom" lib in tsconfig).
interface ImgEl {
  getAttribute(name: string): string | null;
  /** The URL the image was loaded from (`src`, or the one `srcset` picked). */
  currentSrc: string;
  complete: boolean;
  naturalWidth: number;
  getBoundingClientRect(): { width: number; height: number };
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<ImgEl>;
  body: { innerText: string } | null;
};

interface ImageState {
  src: string;
  currentSrc: string;
  alt: string;
  complete: boolean;
  naturalWidth: number;
  /** Laid out with a size (VS Code hides walkthrough media in an editor 950 pixels wide or less). */
  visible: boolean;
}

/** Image paths of a README, in order (Markdown `![alt](path)` and `<img src>`). */
function readmeImagesOf(text: string): string[] {
  const md = [...text.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => must(m[1], 'image path'));
  const html = [...text.matchAll(/<img[^>]+src=["']([^"']+)["']/g)].map((m) => must(m[1], 'img src'));
  return [...md, ...html];
}
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
/** The README's section headings (`## …`), as the details page shows them. */
const HEADINGS = [...README.matchAll(/^## (.+)$/gm)].map((m) => must(m[1], 'heading'));

/** The installed folder of this extension in `extensionsDir`. */
function installedDir(extensionsDir: string): string {
  const dir = fs.readdirSync(extensionsDir).find((d) => d.startsWith(`${EXTENSION_ID}-`));
  assert.ok(dir, `${EXTENSION_ID} is installed in ${extensionsDir}`);
  return path.join(extensionsDir, dir);
}

/** An HTTPS server on 127.0.0.1 (a certificate made here) serving the files below `root`. */
async function serveFiles(
  tmp: string,
  root: string,
): Promise<{ url: string; requested: string[]; close(): Promise<void> }> {
  const key = path.join(tmp, 'key.pem');
  const cert = path.join(tmp, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const requested: string[] = [];
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname).replace(/^\/+/, '');
    const base = root;
    const file = path.resolve(base, rel);
    requested.push(rel);
    if (!file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.png') ? 'image/png' : 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/`,
    requested,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The README webview's frame: the frame (not the workbench) whose text has the README's first heading. */
async function readmeFrame(page: Page, timeoutMs: number): Promise<Frame> {
  const heading = must(HEADINGS[0], "the README's first heading");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      if (text.includes(heading)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`No webview shows "${heading}" after ${timeoutMs} ms`);
    await page.waitForTimeout(200);
  }
}

/** The `<img>`s matching `selector` in `frame`, once each has finished loading (or failed), or at the deadline. */
async function imagesSettled(frame: Frame | Page, selector: string, timeoutMs: number): Promise<ImageState[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await frame.evaluate(
      (sel) =>
        Array.from(document.querySelectorAll(sel)).map((img) => ({
          src: img.getAttribute('src') ?? '',
          currentSrc: img.currentSrc,
          alt: img.getAttribute('alt') ?? '',
          complete: img.complete,
          naturalWidth: img.naturalWidth,
          visible: img.getBoundingClientRect().width > 0 && img.getBoundingClientRect().height > 0,
        })),
      selector,
    );
    if (states.every((s) => s.complete) || Date.now() > deadline) return states;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens this extension's details page as a user does: Extensions view, installed, click. */
async function openDetails(page: Page): Promise<void> {
  await ui.runCommand(page, 'Extensions: Show Installed Extensions');
  const item = page.locator('.extensions-viewlet .extension-list-item', { hasText: DISPLAY_NAME }).first();
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  await item.click();
  await page
    .locator('.extension-editor .header .name', { hasText: DISPLAY_NAME })
    .first()
    .waitFor({ state: 'visible', timeout: 15_000 });
}

/** Opens the walkthrough as a user does: Welcome: Open Walkthrough..., then its title. */
async function openWalkthrough(page: Page, title: string): Promise<void> {
  await ui.runCommand(page, 'Welcome: Open Walkthrough...');
  await ui.waitForQuickInput(page);
  await ui.typeInQuickInput(page, title);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
  await page.locator('.gettingStartedContainer button.getting-started-step').first().waitFor({ timeout: 15_000 });
}

describe('what VS Code shows from the installed package: no broken image (e2e)', function () {
  this.timeout(180_000);
  let tmp: string;
  let files: Awaited<ReturnType<typeof serveFiles>> | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;

  /** code-server with `vsix` installed, and the workbench open in Chromium (closing what ran before). */
  async function start(vsix: string, ignoreHTTPSErrors = false): Promise<void> {
    await browser?.close();
    await server?.stop();
    server = await startCodeServer({ vsix });
    browser = await ui.launchBrowser();
    // The local HTTPS server's certificate is made by this test; nothing else is loaded over HTTPS.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors });
    page = await context.newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(server.folder)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 30_000 });
  }

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-e2e-details-'));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await files?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("the shipped .vsix's details page shows the README's text and no image that did not load", async () => {
    assert.ok(readmeImagesOf(README).length >= 5, "the repository's README shows its screenshots");
    await start(SHIPPED_VSIX);
    await openDetails(page);
    const frame = await readmeFrame(page, 30_000);
    const text = await frame.evaluate(() => document.body?.innerText ?? '');
    for (const heading of HEADINGS) assert.ok(text.includes(heading), `the details page shows "${heading}"`);
    const images = await imagesSettled(frame, 'img', 20_000);
    assert.deepEqual(
      images.filter((s) => !(s.complete && s.naturalWidth > 0)),
      [],
      'every <img> of the details page loaded (none is broken or empty)',
    );
  });

  it("the walkthrough shows each step's screenshot, loaded from the installed package", async () => {
    const installed = installedDir(must(server, 'code-server of the previous test').extensionsDir);
    const walkthrough = exactly(PKG.contributes.walkthroughs, 1, 'walkthrough')[0];
    // VS Code hides a step's media while the editor is 950 pixels wide or less: close the side bar
    // (the Extensions view of the previous test), as a user of a 1280-pixel window would.
    await ui.runCommand(page, 'View: Close Primary Side Bar');
    await openWalkthrough(page, nls(walkthrough.title));
    for (const step of walkthrough.steps) {
      const media = must(step.media.image, `${step.id} has an image`);
      const alt = nls(must(step.media.altText, `${step.id} has alt text`));
      await page.locator(`.gettingStartedContainer button.getting-started-step[data-step-id$="${step.id}"]`).click();
      // The step's media replaces the previous step's: wait for this step's image.
      const until = Date.now() + 10_000;
      let shownImages: ImageState[] = [];
      while (
        !(shownImages = await imagesSettled(page, '.getting-started-media img', 10_000)).some(
          (s) => s.alt === alt && s.visible,
        ) &&
        Date.now() < until
      )
        await page.waitForTimeout(100);
      const [shown, ...more] = shownImages;
      assert.equal(more.length, 0, `${step.id}: one image`);
      assert.ok(shown, `${step.id}: the step shows an image`);
      assert.equal(shown.alt, alt, `${step.id}: the image's alt text`);
      assert.ok(
        decodeURIComponent(shown.currentSrc).includes(path.join(installed, media)),
        `${step.id}: ${shown.currentSrc} is ${media} of the installed extension`,
      );
      assert.ok(
        shown.complete && shown.naturalWidth > 0,
        `${step.id}: ${media} loaded (naturalWidth ${shown.naturalWidth})`,
      );
      assert.ok(shown.visible, `${step.id}: ${media} is shown on the page, with a size`);
      if (step === walkthrough.steps[0]) await ui.screenshot(page, path.join(SHOTS, 'walkthrough.png'));
    }
  });

  it('with the images at an HTTPS base (as a real repository gives), each one loads in the details page', async () => {
    // The same package, its README images rewritten (scripts/package.mjs --base-images-url, vsce's
    // rewrite) to an HTTPS server that serves this checkout's files, as a repository would.
    const images = readmeImagesOf(README);
    files = await serveFiles(tmp, ROOT);
    const vsix = path.join(tmp, 'https-images.vsix');
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'scripts/package.mjs'), '--no-build', '--base-images-url', files.url, '--out', vsix],
      { cwd: ROOT, stdio: 'pipe' },
    );
    await start(vsix, true);
    await openDetails(page);
    const frame = await readmeFrame(page, 30_000);
    const deadline = Date.now() + 20_000;
    let states: ImageState[] = [];
    while ((states = await imagesSettled(frame, 'img', 20_000)).length < images.length && Date.now() < deadline)
      await page.waitForTimeout(200);
    assert.deepEqual(
      states.map((s) => s.src),
      images.map((p) => `${files!.url}${p}`),
      "the details page shows the README's images, in order",
    );
    assert.deepEqual(
      states.filter((s) => !(s.naturalWidth > 0)),
      [],
      'each image loaded (naturalWidth > 0)',
    );
    for (const p of images) assert.ok(files.requested.includes(p), `${p} was fetched from the HTTPS copy`);
  });
});
