// Builds the production bundle and packages the .vsix with @vscode/vsce (offline).
// Prints the sizes. Output: server-keypairs-<version>.vsix in the repository root, or the file
// given with --out FILE.
//
// README images. VS Code's details page (Extensions view) shows README images from https: only
// (its sanitizer drops relative `src`s; its content security policy is `img-src https: data:`),
// so a packaged README must not point at files inside the package (see CONTRIBUTING.md):
// - package.json names a `repository`: vsce rewrites the README's image paths to it, as it
//   always does (GitHub or GitLab), and refuses an image that is not https:;
// - --base-images-url URL: the same, to that base (vsce's baseImagesUrl and baseContentUrl);
// - neither: the packaged README is the README without its images (text only), written to
//   out/package/README.md and packaged with vsce's readmePath. README.md is never changed, and
//   its screenshots (media/screenshots) stay in the repository; the walkthrough's images
//   (media/walkthrough) are what ships.
// Other options: --no-build packages dist/ as it is; --with-pseudo-locale (below).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
process.chdir(root);

const argAfter = (name) => {
  const at = process.argv.indexOf(name);
  if (at < 0) return undefined;
  const value = process.argv[at + 1];
  if (!value || value.startsWith('--')) {
    console.error(`package: ${name} needs a value`);
    process.exit(2);
  }
  return value;
};

if (!process.argv.includes('--no-build')) {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const outArg = argAfter('--out');
const out = outArg ? path.resolve(outArg) : path.join(root, `${pkg.name}-${pkg.version}.vsix`);
const baseImagesUrl = argAfter('--base-images-url');
const work = path.join(root, 'out', 'package');
mkdirSync(work, { recursive: true });

/** Relative image sources (Markdown `![alt](src)`, HTML `<img>`): paths inside the checkout. */
const isRelative = (src) => !/^[a-z][a-z0-9+.-]*:/i.test(src) && !src.startsWith('//');
const MD_IMAGE = /!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const HTML_IMAGE = /<img\b[^>]*?\bsrc=["']([^"']+)["'][^>]*>/gi;
const altOf = (tag) => /\balt=["']([^"']*)["']/i.exec(tag)?.[1] ?? '';

/**
 * The README without its relative images: a paragraph that is only images goes, an image inside
 * a sentence becomes its alt text. Images at https: stay (they show on the details page).
 */
function withoutImages(markdown) {
  const paragraphs = markdown.split(/\n{2,}/);
  const kept = [];
  for (const paragraph of paragraphs) {
    const rest = paragraph
      .replace(MD_IMAGE, (all, _alt, src) => (isRelative(src) ? '' : all))
      .replace(HTML_IMAGE, (all, src) => (isRelative(src) ? '' : all));
    if (rest.trim() === '' && paragraph.trim() !== '') continue;
    kept.push(
      paragraph
        .replace(MD_IMAGE, (all, alt, src) => (isRelative(src) ? alt : all))
        .replace(HTML_IMAGE, (all, src) => (isRelative(src) ? altOf(all) : all)),
    );
  }
  return kept.join('\n\n');
}

const { createVSIX } = require('@vscode/vsce');
// rewriteRelativeLinks stays on (vsce's default): with a repository or a base URL, vsce rewrites
// the paths; without, the README has no relative image left, and vsce checks that every image
// it still has is https: (it refuses to package one that is not).
const options = {
  cwd: root,
  packagePath: out,
  dependencies: false,
  allowMissingRepository: true,
};
const ignoreLines = readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n');
let readmeNote;
if (baseImagesUrl) {
  options.baseImagesUrl = baseImagesUrl;
  options.baseContentUrl = baseImagesUrl;
  readmeNote = `README images rewritten to ${baseImagesUrl}`;
} else if (pkg.repository) {
  readmeNote = 'README images rewritten to the repository by vsce';
} else {
  const readme = path.join(work, 'README.md');
  writeFileSync(readme, withoutImages(readFileSync(path.join(root, 'README.md'), 'utf8')));
  options.readmePath = path.relative(root, readme);
  // The checkout's README.md stays out, so that only the text-only one is the package's readme.
  ignoreLines.splice(0, ignoreLines.length, ...ignoreLines.filter((l) => l.trim() !== '!README.md'));
  readmeNote = 'no repository: README packaged as text only, without its images';
}
// --with-pseudo-locale: also ship the pseudo-locale bundles (l10n/bundle.l10n.qps-ploc.json,
// package.nls.qps-ploc.json) for the e2e run under `--locale qps-ploc`. They are a test
// artifact, so the shipped .vsix leaves them out (.vscodeignore).
if (process.argv.includes('--with-pseudo-locale')) {
  ignoreLines.push('!l10n/bundle.l10n.qps-ploc.json', '!package.nls.qps-ploc.json', '');
}
const ignore = path.join(work, 'vscodeignore');
writeFileSync(ignore, ignoreLines.join('\n'));
options.ignoreFile = path.relative(root, ignore);

await createVSIX(options);
console.log(`${path.basename(out)} ${(statSync(out).size / 1024).toFixed(1)} KB (${readmeNote})`);
