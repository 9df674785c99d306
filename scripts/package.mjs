// Builds the production bundle and packages the .vsix with @vscode/vsce (offline).
// Prints the sizes. Output: server-keypairs-<version>.vsix in the repository root, or the file
// given with --out FILE.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
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
// (rewriteRelativeLinks: false): VS Code's Extensions view resolves them against the installed
// extension's folder. There is no public repository yet, so no repository field and no
// base URL to rewrite them to; a made-up one would only break every image.
await createVSIX({
  cwd: root,
  packagePath: out,
  dependencies: false,
  rewriteRelativeLinks: false,
  allowMissingRepository: true,
});
console.log(`${path.basename(out)} ${(statSync(out).size / 1024).toFixed(1)} KB`);
