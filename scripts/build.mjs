// Bundles the extension with esbuild, in CommonJS (VS Code ^1.96 loads extensions with require):
// - src/extension.ts -> dist/extension.js, with what activation needs, and every `import()` in
//   src -> a lazy chunk (dist/<name>.js) that the code requires on first use; code that both
//   sides use goes into shared chunks (dist/shared-<hash>.js). Each module of src is in exactly
//   ONE output file (checked below): a second copy would be a second error class (instanceof
//   fails), a second l10n bundle, a second settings cache. esbuild's code splitting does this
//   but writes ES modules only, so the split is built as ESM first (out/bundle-esm) and each
//   file is then turned into CommonJS on its own (bundle: false: the requires between chunks
//   stay requires, `import()` becomes a require when it runs; source maps are chained);
// - the part of undici it uses -> dist/undici.js, which the HTTP client requires when it makes
//   its first request (so activation never even parses undici);
// - src/core/keys/bcryptWorker.ts -> dist/bcryptWorker.js, a worker thread started only when a
//   passphrase protects a private key (bcrypt-pbkdf, with tweetnacl reduced to node's SHA-512).
// `vscode` stays external (the host provides it); everything else is bundled.
// dist/metafile.json (not shipped) says which source file went to which output and which
// outputs each one loads (bench/ and test/unit/bundle.test.ts read it).
// --dev keeps the bundle readable; --watch rebuilds on change; --analyze lists what is big.
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
/** The extension's `import('undici')` loads dist/undici.js (built on its own, below). */
const undiciOutside = {
  name: 'undici-outside',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: './undici.js', external: true }));
  },
};

const slim = {
  name: 'slim-undici',
  setup(build) {
    // Only where undici's dispatchers ask for them.
    const stub = (path) => (args) =>
      /undici[\\/]lib[\\/]dispatcher[\\/]client(-h[12])?\.js$/.test(args.importer)
        ? { path, namespace: 'slim' }
        : undefined;
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

/**
 * Every source file in exactly one output of the split build: the proof that a module (its
 * classes, its state) exists once at run time. Throws with the files found twice.
 */
function checkOneCopy(outputs) {
  const owner = new Map();
  const twice = [];
  for (const [output, { inputs }] of Object.entries(outputs)) {
    for (const input of inputs) {
      if (owner.has(input)) twice.push(`${input} in ${owner.get(input)} and ${output}`);
      else owner.set(input, output);
    }
  }
  if (twice.length > 0) throw new Error(`a module is bundled twice:\n  ${twice.join('\n  ')}`);
}

const args = new Set(process.argv.slice(2));
const production = !args.has('--dev');
// --outdir=DIR builds elsewhere (the unit test of the bundled worker).
const outdir = [...args].find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';
const esmDir = path.join('out', 'bundle-esm', path.resolve(outdir).replace(/[^A-Za-z0-9]+/g, '_'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  minify: production,
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
};

/** undici and the bcrypt worker: one CommonJS file each, sharing nothing with the extension. */
const standalone = {
  ...common,
  entryPoints: { undici: slimUndici, bcryptWorker: 'src/core/keys/bcryptWorker.ts' },
  outdir,
  format: 'cjs',
  sourcemap: 'external',
  plugins: [slim],
};

const root = fileURLToPath(new URL('..', import.meta.url));
const rel = (file) => path.relative(root, file).replace(/\\/g, '/');

/**
 * The main bundle: src/extension.ts and what it imports, one CommonJS file, with every `import()`
 * of our code left out: it becomes `require('./<name>.js')`, a lazy chunk. `shared` lists the
 * modules of the main bundle that lazy chunks import: the main bundle exports each one's
 * namespace (`__shared`), and the chunks use those objects instead of copies.
 */
function mainOptions(shared, lazyEntries) {
  const contents = [
    "export * from './src/extension.ts';",
    ...[...shared].map((m, i) => `import * as m${i} from ${JSON.stringify(`./${m}`)};`),
    `export const __shared = { ${[...shared].map((m, i) => `${JSON.stringify(m)}: m${i}`).join(', ')} };`,
  ].join('\n');
  return {
    ...common,
    stdin: { contents, resolveDir: root, sourcefile: 'extension-entry.js', loader: 'js' },
    outfile: path.join(outdir, 'extension.js'),
    format: 'cjs',
    sourcemap: 'external',
    // import() becomes a plain require() when it runs: the chunk is loaded on first use.
    supported: { 'dynamic-import': false },
    plugins: [undiciOutside, vscodeL10n, lazyImports(lazyEntries)],
  };
}

/** Each `import()` of a source file: external, `./<name>.js`; `entries` gets name → file. */
function lazyImports(entries) {
  return {
    name: 'lazy-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData?.lazy) return undefined;
        const r = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: { lazy: true },
        });
        if (r.errors.length > 0 || r.external || !rel(r.path).startsWith('src/')) return undefined;
        const name = path.basename(r.path).replace(/\.[cm]?[jt]s$/, '');
        const taken = entries.get(name);
        if (taken && taken !== r.path) throw new Error(`two lazy modules named ${name}: ${rel(taken)}, ${rel(r.path)}`);
        entries.set(name, r.path);
        return { path: `./${name}.js`, external: true };
      });
    },
  };
}

/**
 * The lazy chunks: every module `import()`ed from the main bundle, split among themselves (ESM,
 * then CommonJS file by file: see toCommonJs). An import of a module the main bundle has (`owned`)
 * becomes that module's namespace exported by dist/extension.js; `needed` collects them.
 */
function lazyOptions(entries, owned, needed) {
  return {
    ...common,
    entryPoints: Object.fromEntries(entries),
    outdir: esmDir,
    format: 'esm',
    splitting: true,
    entryNames: '[name]',
    chunkNames: 'shared-[hash]',
    sourcemap: 'linked',
    plugins: [
      // First: it asks the others (build.resolve) where an import goes, then takes it if owned.
      {
        name: 'main-owned',
        setup(build) {
          build.onResolve({ filter: /.*/ }, async (args) => {
            if (args.pluginData?.owned || args.namespace === 'main-owned' || args.kind === 'entry-point')
              return undefined;
            const r = await build.resolve(args.path, {
              kind: args.kind,
              resolveDir: args.resolveDir,
              importer: args.importer,
              pluginData: { owned: true },
            });
            if (r.errors.length > 0 || r.external || !owned.has(rel(r.path))) return undefined;
            needed.add(rel(r.path));
            return { path: rel(r.path), namespace: 'main-owned' };
          });
          build.onResolve({ filter: /^\.\/extension\.js$/, namespace: 'main-owned' }, (args) => ({
            path: args.path,
            external: true,
          }));
          build.onLoad({ filter: /.*/, namespace: 'main-owned' }, (args) => ({
            contents: `module.exports = require('./extension.js').__shared[${JSON.stringify(args.path)}];`,
            loader: 'js',
          }));
        },
      },
      undiciOutside,
      vscodeL10n,
    ],
  };
}

/**
 * The extension: the main bundle and its lazy chunks, built in rounds until the modules the
 * chunks take from the main bundle are all exported by it (exporting a namespace can pull more
 * into the main bundle, which the chunks then take from it too). Returns the metafiles.
 */
async function buildExtension() {
  let shared = new Set();
  for (let round = 1; ; round++) {
    const entries = new Map();
    const main = await esbuild.build(mainOptions(shared, entries));
    const owned = new Set(Object.keys(main.metafile.inputs));
    const needed = new Set();
    const lazy = await esbuild.build(lazyOptions(entries, owned, needed));
    if ([...needed].every((m) => shared.has(m))) {
      await toCommonJs(main.metafile, lazy.metafile);
      return { main: main.metafile, lazy: lazy.metafile };
    }
    if (round === 5) throw new Error('the modules shared with the lazy chunks did not settle in 5 rounds');
    shared = new Set([...shared, ...needed]);
  }
}

/**
 * Each ESM output of the lazy build becomes a CommonJS file in outdir, alone (no bundling: an
 * import of another chunk becomes a require of it; `import()` a require when it runs). esbuild
 * reads each input's linked source map, so the maps still point at src/. Then the check that
 * no module is in two files, and dist/metafile.json.
 */
async function toCommonJs(mainMeta, lazyMeta) {
  const files = Object.keys(lazyMeta.outputs).filter((f) => f.endsWith('.js'));
  await esbuild.build({
    entryPoints: files,
    outdir,
    outbase: esmDir,
    bundle: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    supported: { 'dynamic-import': false },
    minify: production,
    sourcemap: 'external',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const rename = (f) => path.join(outdir, path.relative(esmDir, f)).replace(/\\/g, '/');
  const ours = (i) => !i.startsWith('main-owned:');
  const outputs = {
    [`${outdir}/extension.js`]: {
      inputs: Object.keys(Object.values(mainMeta.outputs).find((o) => o.entryPoint)?.inputs ?? {}).filter(
        (i) => i !== 'extension-entry.js',
      ),
      imports: [],
      entryPoint: 'src/extension.ts',
    },
    ...Object.fromEntries(
      files.map((f) => {
        const o = lazyMeta.outputs[f];
        return [
          rename(f),
          {
            inputs: Object.keys(o.inputs).filter(ours),
            imports: o.imports.filter((i) => !i.external).map((i) => ({ path: rename(i.path), kind: i.kind })),
            entryPoint: o.entryPoint,
          },
        ];
      }),
    ),
  };
  checkOneCopy(outputs);
  writeFileSync(path.join(outdir, 'metafile.json'), JSON.stringify({ outputs }, null, 1) + '\n');
}

/** Removes the JavaScript of an earlier build (chunk names carry hashes; a lazy module may be gone). */
function cleanChunks() {
  rmSync(esmDir, { recursive: true, force: true });
  try {
    for (const f of readdirSync(outdir)) if (/\.js(\.map)?$/.test(f)) rmSync(path.join(outdir, f));
  } catch {
    // No outdir yet.
  }
}

if (args.has('--watch')) {
  // Rebuilds everything on a change in src/ (esbuild's own watch follows one build, not the rounds).
  await esbuild.build(standalone);
  const { watch } = await import('node:fs');
  let pending;
  const rebuild = () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      try {
        cleanChunks();
        await buildExtension();
        console.log(`[watch] built ${new Date().toLocaleTimeString()}`);
      } catch (err) {
        console.error(err instanceof Error ? err.message : err);
      }
    }, 100);
  };
  rebuild();
  watch('src', { recursive: true }, rebuild);
} else {
  writeL10nBundles();
  cleanChunks();
  const [ext, other] = await Promise.all([buildExtension(), esbuild.build(standalone)]);
  const bundled = writeNotices({ inputs: { ...ext.main.inputs, ...ext.lazy.inputs, ...other.metafile.inputs } });
  const kb = (f) => `${(readFileSync(f).length / 1024).toFixed(1)} KB`;
  const chunks = readdirSync(outdir).filter(
    (f) => f.endsWith('.js') && !['extension.js', 'undici.js', 'bcryptWorker.js'].includes(f),
  );
  const chunkBytes = chunks.reduce((sum, f) => sum + readFileSync(path.join(outdir, f)).length, 0);
  console.log(
    `${outdir}/extension.js ${kb(path.join(outdir, 'extension.js'))}, ${chunks.length} lazy chunks ${(chunkBytes / 1024).toFixed(1)} KB, ` +
      `undici.js ${kb(path.join(outdir, 'undici.js'))}, bcryptWorker.js ${kb(path.join(outdir, 'bcryptWorker.js'))}` +
      `${production ? '' : ' (dev)'}; ${NOTICES_FILE} (${bundled.join(', ') || 'no third-party code'})`,
  );
  if (args.has('--analyze')) {
    console.log(await esbuild.analyzeMetafile(ext.main));
    console.log(await esbuild.analyzeMetafile(ext.lazy));
    console.log(await esbuild.analyzeMetafile(other.metafile));
  }
}
