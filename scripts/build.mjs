// Bundles the extension with esbuild: src/extension.ts -> dist/extension.js.
// `vscode` stays external (the host provides it); undici and everything else is bundled.
// --dev keeps the bundle readable; --watch rebuilds on change.
import * as esbuild from 'esbuild';

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
