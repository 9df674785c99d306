// Bundles the extension with esbuild: src/extension.ts -> dist/extension.js.
// `vscode` stays external (the host provides it); undici and everything else is bundled.
// --dev keeps the bundle readable; --watch rebuilds on change.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';

const slimUndici = fileURLToPath(new URL('./undici-slim.cjs', import.meta.url));

/**
 * Keeps the bundle small: `undici` becomes scripts/undici-slim.cjs (the dispatcher and
 * request API only), and undici's SIMD build of its HTTP parser is left out (it falls
 * back to the portable build of the same parser, which it ships anyway).
 */
const slim = {
  name: 'slim-undici',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: slimUndici }));
    build.onResolve({ filter: /llhttp_simd-wasm\.js$/ }, () => ({ path: 'no-simd', namespace: 'slim' }));
    build.onLoad({ filter: /.*/, namespace: 'slim' }, () => ({
      contents: "throw new Error('SIMD build of llhttp left out of the bundle');",
      loader: 'js',
    }));
  },
};

const args = new Set(process.argv.slice(2));
const production = !args.has('--dev');

const options = {
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  minify: production,
  sourcemap: 'external',
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  plugins: [slim],
  logLevel: 'warning',
};

if (args.has('--watch')) {
  const ctx = await esbuild.context({ ...options, logLevel: 'info' });
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  const bytes = result.metafile.outputs['dist/extension.js'].bytes;
  console.log(`dist/extension.js ${(bytes / 1024).toFixed(1)} KB${production ? '' : ' (dev)'}`);
}
