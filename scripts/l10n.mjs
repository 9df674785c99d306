// Writes the string bundles from the sources (run by scripts/build.mjs; `node scripts/l10n.mjs` alone works too):
// - l10n/bundle.l10n.json: every `l10n.t('…')` / `vscode.l10n.t('…')` / `l10n.label('…')` literal under src/
//   (English: key = value), the format `vscode.l10n` and `@vscode/l10n-dev export` use;
// - l10n/bundle.l10n.qps-ploc.json and package.nls.qps-ploc.json: the pseudo-locale, each string
//   wrapped as ⟦…⟧ with `{0}` placeholders kept, so an e2e run under `--locale qps-ploc` shows any
//   string that bypassed translation as bare English.
// Own extractor rather than @vscode/l10n-dev: no extra dependency, and it also finds l10n.label ids.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** The string literal (single, double or back quotes without `${`) after each marker call. */
export function extract(text) {
  const found = [];
  const call = /\bl10n\.(?:t|label)\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\$]|\\.)*)`)/g;
  for (const m of text.matchAll(call)) {
    const raw = m[1] ?? m[2] ?? m[3];
    found.push(raw.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c)));
  }
  return found;
}

/** ⟦text⟧ with placeholders kept as they are. */
export function pseudo(text) {
  return `⟦${text}⟧`;
}

const text = (object) => `${JSON.stringify(object, null, 2)}\n`;
const defaultOutput = (file, object) => writeFileSync(path.join(root, file), text(object));
let output = defaultOutput;
function json(file, object) {
  output(file, object);
}

export function writeL10nBundles() {
  const english = {};
  for (const file of sources(path.join(root, 'src')).sort()) {
    for (const s of extract(readFileSync(file, 'utf8'))) english[s] = s;
  }
  const sorted = Object.fromEntries(
    Object.keys(english)
      .sort()
      .map((k) => [k, k]),
  );
  if (output === defaultOutput) mkdirSync(path.join(root, 'l10n'), { recursive: true });
  json('l10n/bundle.l10n.json', sorted);
  json('l10n/bundle.l10n.qps-ploc.json', Object.fromEntries(Object.keys(sorted).map((k) => [k, pseudo(k)])));
  const nls = JSON.parse(readFileSync(path.join(root, 'package.nls.json'), 'utf8'));
  json('package.nls.qps-ploc.json', Object.fromEntries(Object.entries(nls).map(([k, v]) => [k, pseudo(v)])));
  return Object.keys(sorted).length;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--check')) {
    // Writes nothing: lists the bundles that differ from what the sources give (run by lint).
    const stale = [];
    output = (file, object) => {
      let current = '';
      try {
        current = readFileSync(path.join(root, file), 'utf8');
      } catch {
        // missing counts as stale
      }
      if (current !== text(object)) stale.push(file);
    };
    const count = writeL10nBundles();
    if (stale.length) {
      console.error(`l10n: ${stale.join(', ')} out of date with src/ (run \`node scripts/l10n.mjs\` and commit)`);
      process.exit(1);
    }
    console.log(`l10n: ${count} strings, bundles in sync`);
  } else {
    console.log(`l10n: ${writeL10nBundles()} strings`);
  }
}
