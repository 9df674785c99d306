/**
 * The extension's details page (Extensions view) in a real VS Code (code-server + Chromium),
 * for a .vsix installed as a user installs one.
 *
 * - The shipped .vsix carries every image of its README, at the README's relative path.
 * - VS Code's details page loads README images only from https: (its Markdown sanitizer drops
 *   relative `src`s, its content security policy is `img-src https: data:`). So the README
 *   images show there once they point at an HTTPS copy of the package's files, as they do when
 *   package.json names the real repository (vsce rewrites the paths to it). This is proven here
 *   with the same package rewritten to a local HTTPS server that serves the INSTALLED
 *   extension's own files: each image loads (naturalWidth > 0), and each came from the package.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import * as ui from '../support/browser';
import { CodeServer, installVsix, locateTestHost, startCodeServer } from '../support/codeServer';
import { must } from '../support/must';

const ROOT = path.resolve(__dirname, '../../..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  displayName: string;
  publisher: string;
};
// The manifest's display name goes through package.nls.json ("%displayName%" in package.json).
const NLS = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
const DISPLAY_NAME = PKG.displayName.replace(/^%(.+)%$/, (_whole, key: string) => NLS[key] ?? key);
const SHIPPED_VSIX = path.join(ROOT, `${PKG.name}-${PKG.version}.vsix`);
const EXTENSION_ID = `${PKG.publisher}.${PKG.name}`;

// Minimal DOM shapes for the functions evaluated in the webview (no "dom" lib in tsconfig).
interface ImgEl {
  getAttribute(name: string): string | null;
  complete: boolean;
  naturalWidth: number;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<ImgEl> };

interface ImageState {
  src: string;
  complete: boolean;
  naturalWidth: number;
}

/** Image paths of a README, in order (Markdown `![alt](path)` and `<img src>`). */
function readmeImagesOf(text: string): string[] {
  const md = [...text.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => must(m[1], 'image path'));
  const html = [...text.matchAll(/<img[^>]+src=["']([^"']+)["']/g)].map((m) => must(m[1], 'img src'));
  return [...md, ...html];
}
const readmeImages = () => readmeImagesOf(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

/** The installed folder of this extension in `extensionsDir`. */
function installedDir(extensionsDir: string): string {
  const dir = fs.readdirSync(extensionsDir).find((d) => d.startsWith(`${EXTENSION_ID}-`));
  assert.ok(dir, `${EXTENSION_ID} is installed in ${extensionsDir}`);
  return path.join(extensionsDir, dir);
}

/** An HTTPS server on 127.0.0.1 (a certificate made here) serving the files below `root()`. */
async function serveFiles(
  tmp: string,
  root: () => string,
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
    const base = root();
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

/** The README webview's frame: the frame (not the workbench) that holds at least `count` images. */
async function readmeFrame(page: Page, count: number, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const n = await frame.evaluate(() => document.querySelectorAll('img').length).catch(() => 0);
      if (n >= count) return frame;
    }
    if (Date.now() > deadline) throw new Error(`No webview with ${count} images after ${timeoutMs} ms`);
    await page.waitForTimeout(200);
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

describe('the extension details page shows the README with its images (e2e)', function () {
  this.timeout(180_000);
  const images = readmeImages();
  let tmp: string;
  let files: Awaited<ReturnType<typeof serveFiles>> | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-e2e-details-'));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    await files?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("the shipped .vsix, once installed, holds every README image at the README's path", async () => {
    assert.ok(images.length >= 5, `the README shows its screenshots (found ${images.length})`);
    const dirs = {
      home: path.join(tmp, 'home'),
      userDataDir: path.join(tmp, 'data'),
      extensionsDir: path.join(tmp, 'ext'),
    };
    Object.values(dirs).forEach((d) => fs.mkdirSync(d, { recursive: true }));
    await installVsix(locateTestHost(), SHIPPED_VSIX, dirs);
    const dir = installedDir(dirs.extensionsDir);
    const readme = fs.readdirSync(dir).find((f) => /^readme\.md$/i.test(f));
    assert.ok(readme, 'the README is installed');
    assert.deepEqual(
      readmeImagesOf(fs.readFileSync(path.join(dir, readme), 'utf8')),
      images,
      'the installed README keeps the relative image paths (no made-up repository URL)',
    );
    for (const src of images) {
      assert.ok(!/^[a-z][a-z0-9+.-]*:/i.test(src), `${src} is a path inside the package, not a URL`);
      const file = path.join(dir, src);
      assert.ok(fs.existsSync(file) && fs.statSync(file).size > 0, `${src} is in the installed extension`);
    }
  });

  it('with the images at an HTTPS base (as a real repository gives), each one loads in the details page', async () => {
    // The same package, its README images rewritten by vsce to an HTTPS server that serves the
    // files of the extension as installed (so an image not shipped in the .vsix is a 404).
    let installed = '';
    files = await serveFiles(tmp, () => installed);
    const vsix = path.join(tmp, 'https-images.vsix');
    const { createVSIX } = require('@vscode/vsce') as { createVSIX(o: Record<string, unknown>): Promise<void> };
    await createVSIX({
      cwd: ROOT,
      packagePath: vsix,
      dependencies: false,
      allowMissingRepository: true,
      baseImagesUrl: files.url,
      baseContentUrl: files.url,
    });
    server = await startCodeServer({ vsix });
    installed = installedDir(server.extensionsDir);

    browser = await ui.launchBrowser();
    // The local server's certificate is made by this test; nothing else is loaded over HTTPS.
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(server.folder)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 30_000 });
    await openDetails(page);

    const frame = await readmeFrame(page, images.length, 30_000);
    const deadline = Date.now() + 20_000;
    let states: ImageState[] = [];
    for (;;) {
      states = await frame.evaluate(() =>
        Array.from(document.querySelectorAll('img')).map((img) => ({
          src: img.getAttribute('src') ?? '',
          complete: img.complete,
          naturalWidth: img.naturalWidth,
        })),
      );
      if ((states.length >= images.length && states.every((s) => s.complete)) || Date.now() > deadline) break;
      await page.waitForTimeout(100);
    }
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
    for (const p of images) assert.ok(files.requested.includes(p), `${p} was fetched from the installed package`);
  });
});
