// Bundles the extension with esbuild: src/extension.ts -> dist/extension.js, and the part
// of undici it uses -> dist/undici.js, which dist/extension.js requires only when the HTTP
// client makes its first request (so activation never even parses undici).
// src/core/keys/bcryptWorker.ts -> dist/bcryptWorker.js, a worker thread started only when a
// passphrase protects a private key (bcrypt-pbkdf, with tweetnacl reduced to node's SHA-512).
// `vscode` stays external (the host provides it); everything else is bundled.
// --dev keeps the bundle readable; --watch rebuilds on change; --analyze lists what is big.
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeL10nBundles } from './l10n.mjs';

const slimUndici = fileURLToPath(new URL('./undici-slim.cjs', import.meta.url));
const naclSha512 = fileURLToPath(new URL('./tweetnacl-sha512.cjs', import.meta.url));

/**
 * Keeps the bundle small: `undici` becomes scripts/undici-slim.cjs (the dispatcher and
 * request API only), and three parts of undici the extension never reaches are left out,
 * each replaced by a stub that throws if it ever were reached:
 * - the SIMD build of its HTTP parser (it falls back to the portable build of the same
 *   parser, which it ships anyway);
 * - HTTP/2 (`client-h2.js`): used only when `allowH2` is set, which the extension never
 *   does, so TLS offers only http/1.1 and the server cannot pick h2;
 * - fetch's body machinery (`web/fetch/body.js`, with webidl, FormData, data: URLs):
 *   loaded only to send a FormData body; the extension sends JSON strings only.
 */
const LEFT_OUT = {
  'no-simd': "throw new Error('SIMD build of llhttp left out of the bundle');",
  'no-h2': "module.exports = () => { throw new Error('HTTP/2 left out of the bundle (allowH2 is never set)'); };",
  'no-fetch-body': "module.exports = { extractBody() { throw new Error('FormData bodies left out of the bundle'); } };",
};
const slim = {
  name: 'slim-undici',
  setup(build) {
    // Only where undici's dispatchers ask for them.
    const stub = (path) => (args) =>
      /undici[\\/]lib[\\/]dispatcher[\\/]client(-h[12])?\.js$/.test(args.importer)
        ? { path, namespace: 'slim' }
        : undefined;
    // The extension's `import('undici')` loads dist/undici.js (the second entry point).
    build.onResolve({ filter: /^undici$/ }, () => ({ path: './undici.js', external: true }));
    build.onResolve({ filter: /llhttp_simd-wasm\.js$/ }, () => ({ path: 'no-simd', namespace: 'slim' }));
    build.onResolve({ filter: /^\.\/client-h2\.js$/ }, stub('no-h2'));
    build.onResolve({ filter: /^\.\.\/web\/fetch\/body\.js$/ }, stub('no-fetch-body'));
    build.onResolve({ filter: /^tweetnacl$/ }, () => ({ path: naclSha512 }));
    build.onLoad({ filter: /.*/, namespace: 'slim' }, (args) => ({ contents: LEFT_OUT[args.path], loader: 'js' }));
  },
};

/** Where the notices for the bundled third-party code go (shipped in the .vsix; see .vscodeignore). */
const NOTICES_FILE = 'dist/THIRD_PARTY_NOTICES.txt';

/**
 * The bundle strips legal comments (legalComments: 'none'), so the licences of the packages it
 * contains ship beside it instead: one file, written from the metafile's inputs (the packages
 * esbuild actually bundled) and each package's own package.json and LICENSE file, so that it
 * stays true when dependencies change. A bundled package without a licence file stops the build.
 */
function writeNotices(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /(?:^|[\\/])node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(input);
    if (!m) continue;
    const dir = input.slice(0, m.index + m[0].length - 1);
    packages.set(dir, m[1].replace(/\\/g, '/'));
  }
  const sections = [...packages]
    .sort((a, b) => a[1].localeCompare(b[1]))
    .map(([dir, name]) => {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
      if (!licenseFile) throw new Error(`${name}: no LICENSE file in ${dir}; the notices cannot name its licence`);
      const text = readFileSync(path.join(dir, licenseFile), 'utf8').trim();
      const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
      return [
        `${pkg.name} ${pkg.version}`,
        `License: ${pkg.license ?? 'see below'}`,
        ...(url ? [`Source: ${url}`] : []),
        '',
        text,
      ].join('\n');
    });
  const rule = `\n\n${'-'.repeat(78)}\n\n`;
  const head = 'Server Key Pairs bundles the following third-party software (in dist/). Their licences follow.';
  mkdirSync(path.dirname(NOTICES_FILE), { recursive: true });
  writeFileSync(NOTICES_FILE, `${head}${rule}${sections.join(rule)}\n`);
  return [...packages.values()];
}

/** src/core/base/l10n.ts (plain-Node English) becomes src/shell/l10nVscode.ts (vscode.l10n.t) in the bundle. */
const vscodeL10n = {
  name: 'vscode-l10n',
  setup(build) {
    const target = fileURLToPath(new URL('../src/shell/l10nVscode.ts', import.meta.url));
    const core = fileURLToPath(new URL('../src/core/base/l10n', import.meta.url));
    build.onResolve({ filter: /^\.\.?\/(.*\/)?l10n$/ }, (args) =>
      path.resolve(args.resolveDir, args.path) === core ? { path: target } : undefined,
    );
  },
};

const args = new Set(process.argv.slice(2));
const production = !args.has('--dev');

const options = {
  entryPoints: { extension: 'src/extension.ts', undici: slimUndici, bcryptWorker: 'src/core/keys/bcryptWorker.ts' },
  // --outdir=DIR builds elsewhere (the unit test of the bundled worker).
  outdir: [...args].find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  // import() becomes a plain require() when it runs: undici is loaded on first use, not before.
  supported: { 'dynamic-import': false },
  minify: production,
  sourcemap: 'external',
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  plugins: [slim, vscodeL10n],
  logLevel: 'warning',
};

if (args.has('--watch')) {
  const ctx = await esbuild.context({ ...options, logLevel: 'info' });
  await ctx.watch();
} else {
  writeL10nBundles();
  const result = await esbuild.build(options);
  const bundled = writeNotices(result.metafile);
  const size = (name) => {
    const file = Object.keys(result.metafile.outputs).find((f) => f.endsWith(`/${name}`));
    return `${file} ${(result.metafile.outputs[file].bytes / 1024).toFixed(1)} KB`;
  };
  const sizes = ['extension.js', 'undici.js', 'bcryptWorker.js'].map(size).join(', ');
  console.log(
    `${sizes}${production ? '' : ' (dev)'}; ${NOTICES_FILE} (${bundled.join(', ') || 'no third-party code'})`,
  );
  if (args.has('--analyze')) console.log(await esbuild.analyzeMetafile(result.metafile));
}
