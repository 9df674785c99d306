// Builds the production bundle and packages the .vsix with @vscode/vsce (offline).
// Prints the sizes. Output: server-keypairs-<version>.vsix in the repository root, or the file
// given with --out FILE.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const pkg = require(path.join(root, 'package.json'));
process.chdir(root);

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const outAt = process.argv.indexOf('--out');
const out = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : path.join(root, `${pkg.name}-${pkg.version}.vsix`);
const { createVSIX } = require('@vscode/vsce');
// The README's images ship inside the .vsix (see .vscodeignore) and keep their relative paths
// (rewriteRelativeLinks: false). There is no public repository yet, so no repository field and
// no base URL to rewrite them to; a made-up one would only break every image. (VS Code's
// details page shows README images from https: only: see CONTRIBUTING.md.)
const options = {
  cwd: root,
  packagePath: out,
  dependencies: false,
  rewriteRelativeLinks: false,
  allowMissingRepository: true,
};
// --with-pseudo-locale: also ship the pseudo-locale bundles (l10n/bundle.l10n.qps-ploc.json,
// package.nls.qps-ploc.json) for the e2e run under `--locale qps-ploc`. They are a test
// artifact, so the shipped .vsix leaves them out (.vscodeignore).
if (process.argv.includes('--with-pseudo-locale')) {
  const ignore = path.join(root, 'out', 'vsix-pseudo.vscodeignore');
  mkdirSync(path.dirname(ignore), { recursive: true });
  const lines = readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n');
  writeFileSync(ignore, [...lines, '!l10n/bundle.l10n.qps-ploc.json', '!package.nls.qps-ploc.json', ''].join('\n'));
  options.ignoreFile = path.relative(root, ignore);
}
await createVSIX(options);
console.log(`${path.basename(out)} ${(statSync(out).size / 1024).toFixed(1)} KB`);
