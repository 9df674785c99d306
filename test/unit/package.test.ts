/**
 * The package as the Marketplace, Open VSX and an installing user get it: package.json and
 * the .vsix that `npm run package` (scripts/package.mjs) builds from this tree, written to a
 * temp folder.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readmeImagePaths, ZipEntry, zipEntryDetails } from '../../bench/size';
import { exactly, must } from '../support/must';

const ROOT = path.resolve(__dirname, '../../..');

interface Step {
  id: string;
  title: string;
  media: { image?: string; svg?: string; altText?: string };
  completionEvents?: string[];
}
interface Manifest {
  name: string;
  publisher: string;
  version: string;
  displayName: string;
  description: string;
  license?: string;
  preview?: boolean;
  galleryBanner?: { color?: string; theme?: string };
  categories?: string[];
  keywords?: string[];
  engines: { vscode: string };
  activationEvents?: string[];
  repository?: unknown;
  bugs?: unknown;
  homepage?: unknown;
  contributes: { walkthroughs?: { id: string; title: string; steps: Step[] }[] };
}
const manifest = (): Manifest => JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The text of one stored or deflated entry of a zip. */
function zipText(zip: Buffer, entry: ZipEntry): string {
  const local = entry.localHeaderOffset;
  const method = zip.readUInt16LE(local + 8);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(start, start + entry.compressedBytes);
  if (method === 0) return data.toString('utf8');
  if (method === 8) return zlib.inflateRawSync(data).toString('utf8');
  throw new Error(`${entry.name}: zip method ${method}`);
}

/** `git status` of the checkout (untracked files listed one by one), or '' outside a git checkout. */
function gitStatus(): string {
  try {
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** Hosts reserved for examples and tests (RFC 2606, RFC 6761): never a real project's address. */
const RESERVED_HOST = /(^|\.)(example(\.(com|net|org))?|invalid|test|localhost)$/i;

/** Every http(s) URL in a JSON value, with the key path where it was found. */
function urlsIn(value: unknown, at = ''): { at: string; url: string }[] {
  if (typeof value === 'string')
    return [...value.matchAll(/\b(?:git\+)?https?:\/\/[^\s"'`)<>]+/g)].map((m) => ({ at, url: m[0] }));
  if (Array.isArray(value)) return value.flatMap((v, i) => urlsIn(v, `${at}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => urlsIn(v, at ? `${at}.${k}` : k));
  return [];
}

describe('the package (package.json and the built .vsix)', function () {
  this.timeout(120_000);
  let tmp: string;
  let vsix: string;
  let zip: Buffer;
  let entries: ZipEntry[];
  let files: string[];

  let readmeBefore: string;
  let statusBefore: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-package-'));
    readmeBefore = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    statusBefore = gitStatus();
    vsix = path.join(tmp, 'test.vsix');
    // `npm run package` itself (production build, then vsce), into the temp folder.
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/package.mjs'), '--out', vsix], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    zip = fs.readFileSync(vsix);
    entries = await zipEntryDetails(vsix);
    files = entries.map((e) => e.name);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const entryText = (name: string) => {
    const entry = entries.find((e) => e.name === name);
    if (!entry) throw new Error(`${name} is not in the .vsix: ${files.join(', ')}`);
    return zipText(zip, entry);
  };

  it('names no placeholder address: no repository, bugs or homepage unless real', () => {
    const m = manifest();
    for (const field of ['repository', 'bugs', 'homepage'] as const) {
      for (const { at, url } of urlsIn(m[field] ?? null, field)) {
        assert.ok(!RESERVED_HOST.test(new URL(url.replace(/^git\+/, '')).hostname), `${at}: ${url} is a placeholder`);
      }
    }
    // Example endpoints in setting descriptions are fine; an address on a reserved host in a link field is not.
    const placeholders = urlsIn(m).filter(({ url }) => /\.invalid\b/i.test(url));
    assert.deepEqual(placeholders, [], 'no .invalid address anywhere in package.json');
    const packaged = JSON.parse(entryText('extension/package.json')) as Manifest;
    assert.equal(packaged.repository, m.repository, 'vsce adds no repository of its own');
  });

  it('with no repository, packages the README as text only: every paragraph but the images, README.md untouched', () => {
    assert.equal(manifest().repository, undefined, 'this case is the checkout without a repository');
    const source = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.equal(source, readmeBefore, 'packaging left README.md as it was');
    assert.equal(gitStatus(), statusBefore, 'packaging changed no tracked or unignored file');
    const shown = readmeImagePaths(source);
    assert.ok(shown.length >= 5, `the repository's README keeps its screenshots (${shown.length})`);
    const readme = entryText('extension/readme.md');
    assert.deepEqual(readmeImagePaths(readme), [], 'no image in the packaged README');
    assert.deepEqual(
      files.filter((f) => /^extension\/readme\.md$/i.test(f)),
      ['extension/readme.md'],
      "one README in the package (not the checkout's beside it)",
    );
    const paragraphs = source.split(/\n{2,}/).map((p) => p.trim());
    const text = paragraphs.filter((p) => p !== '' && readmeImagePaths(p).length === 0);
    assert.deepEqual(
      readme.split(/\n{2,}/).map((p) => p.trim()),
      text,
      "the packaged README is the README's paragraphs, in order, less those that were images",
    );
    assert.deepEqual(
      files.filter((f) => f.startsWith('extension/media/screenshots/')),
      [],
      'the screenshots stay in the repository',
    );
  });

  it("with a repository in package.json, rewrites the README's images to it as vsce does", async () => {
    // A copy of what packaging reads (the dist/ just built), with a repository named.
    const copy = path.join(tmp, 'with-repository');
    for (const entry of ['package.nls.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'media', 'dist'])
      fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    fs.mkdirSync(path.join(copy, 'scripts'));
    fs.copyFileSync(path.join(ROOT, 'scripts/package.mjs'), path.join(copy, 'scripts/package.mjs'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const repository = { type: 'git', url: 'https://github.com/example-owner/server-keypairs.git' };
    fs.writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ ...manifest(), repository }, null, 2));
    const out = path.join(tmp, 'with-repository.vsix');
    execFileSync(process.execPath, [path.join(copy, 'scripts/package.mjs'), '--no-build', '--out', out], {
      cwd: copy,
      stdio: 'pipe',
    });
    const repoZip = fs.readFileSync(out);
    const repoEntries = await zipEntryDetails(out);
    const readmeEntry = must(
      repoEntries.find((e) => e.name === 'extension/readme.md'),
      'readme.md in the .vsix',
    );
    const shown = readmeImagePaths(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    assert.deepEqual(
      readmeImagePaths(zipText(repoZip, readmeEntry)),
      shown.map((p) => `https://github.com/example-owner/server-keypairs/raw/HEAD/${p}`),
      "each README image, in order, at the repository's raw URL",
    );
    assert.deepEqual(
      repoEntries.filter((e) => e.name.startsWith('extension/media/screenshots/')).map((e) => e.name),
      [],
      'the images are loaded from the repository, not shipped',
    );
  });

  it("leaves the test-only pseudo-locale and the translators' English bundle out of what users install", () => {
    assert.deepEqual(
      files.filter((f) => /qps-ploc|\/l10n\//.test(f)),
      [],
      'no pseudo-locale or English bundle in the shipped .vsix',
    );
    assert.ok(files.includes('extension/package.nls.json'), 'the manifest strings ship');
  });

  it('words every manifest string users see through package.nls.json (%key%), each key defined', () => {
    const nls = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const shown =
      /^(displayName|description|title|shortTitle|category|name|label|contents|markdownDescription|enumDescriptions|altText|placeholder|patternErrorMessage)$/;
    const bare: string[] = [];
    const undefinedKeys: string[] = [];
    const walk = (value: unknown, at: string, field: string): void => {
      if (typeof value === 'string') {
        if (!shown.test(field)) return;
        const key = /^%(.+)%$/.exec(value)?.[1];
        if (key === undefined) bare.push(`${at}: ${value}`);
        else if (!(key in nls)) undefinedKeys.push(`${at}: ${key}`);
      } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`, field));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`, k);
    };
    const m = manifest() as unknown as Record<string, unknown>;
    walk(m.displayName, 'displayName', 'displayName');
    walk(m.description, 'description', 'description');
    walk(m.contributes, 'contributes', 'contributes');
    assert.deepEqual(bare, [], 'strings shown to users are %keys% of package.nls.json');
    assert.deepEqual(undefinedKeys, [], 'every %key% is in package.nls.json');
  });

  it('ships the third-party notices: undici, its version and its own licence text', () => {
    assert.ok(files.includes('extension/dist/THIRD_PARTY_NOTICES.txt'), `notices in the .vsix: ${files.join(', ')}`);
    const notices = entryText('extension/dist/THIRD_PARTY_NOTICES.txt');
    const undici = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/undici/package.json'), 'utf8')) as {
      version: string;
    };
    assert.match(notices, new RegExp(`^undici ${undici.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(notices, /^License: MIT$/m);
    const licence = fs.readFileSync(path.join(ROOT, 'node_modules/undici/LICENSE'), 'utf8').trim();
    assert.ok(notices.includes(licence), "undici's LICENSE text, whole");
    // The bundle really contains undici (and strips legal comments, hence the file).
    assert.ok(files.includes('extension/dist/undici.js'));
  });

  it('ships every JavaScript file the bundle loads (its lazy and shared chunks), and no source map', () => {
    // scripts/package.mjs has just built dist/; its metafile lists the split's outputs.
    const meta = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'metafile.json'), 'utf8')) as {
      outputs: Record<string, unknown>;
    };
    const outputs = Object.keys(meta.outputs);
    assert.ok(outputs.length > 1, `the extension is split into chunks: ${outputs.join(', ')}`);
    for (const output of [...outputs, 'dist/undici.js', 'dist/bcryptWorker.js'])
      assert.ok(files.includes(`extension/${output}`), `${output} is in the .vsix`);
    assert.deepEqual(
      files.filter((f) => f.startsWith('extension/dist/') && f.endsWith('.js')).sort(),
      [...outputs, 'dist/undici.js', 'dist/bcryptWorker.js'].map((f) => `extension/${f}`).sort(),
      'no JavaScript file of an earlier build',
    );
    assert.deepEqual(
      files.filter((f) => /\.map$|metafile/.test(f)),
      [],
      'no source map or metafile',
    );
  });

  it('contributes the walkthrough: four steps, each with a shipped screenshot, its alt text and a completion event', () => {
    const walkthroughs = manifest().contributes.walkthroughs ?? [];
    assert.equal(walkthroughs.length, 1);
    const [w] = exactly(walkthroughs, 1, 'walkthrough');
    const nls = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    assert.equal(nls[w.title.replace(/^%(.*)%$/, '$1')] ?? w.title, 'Get started with Server Key Pairs');
    // Ticked on success (context keys set after the command did its work), never when a command starts.
    const expected: Record<string, string[]> = {
      signIn: ['onContext:keypairs.signedIn || keypairs.tokenSet || keypairs.configured'],
      create: ['onContext:keypairs.walkthrough.created'],
      addToSshConfig: ['onContext:keypairs.walkthrough.addedToSshConfig'],
      connect: ['onContext:keypairs.walkthrough.connected'],
    };
    assert.deepEqual(
      w.steps.map((s) => s.id),
      Object.keys(expected),
    );
    for (const step of w.steps) {
      for (const event of must(expected[step.id], `the events of step ${step.id}`))
        assert.ok(step.completionEvents?.includes(event), `${step.id}: ${event}`);
      // A screenshot of the step (an <img> VS Code loads from the installed package), cropped to
      // what it teaches: a PNG at most 1,000 pixels wide and 16 KB.
      const media = must(step.media.image, `${step.id} shows an image`);
      assert.match(media, /^media\/walkthrough\/[a-z-]+\.png$/);
      const altKey = /^%(.+)%$/.exec(step.media.altText ?? '')?.[1];
      assert.ok(altKey && nls[altKey], `${step.id}: the image's alt text is a package.nls.json string`);
      const png = fs.readFileSync(path.join(ROOT, media));
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${media} is a PNG`);
      const width = png.readUInt32BE(16);
      assert.ok(width > 0 && width <= 1000, `${media} is ${width} pixels wide`);
      assert.ok(png.length <= 16 * 1024, `${media} is ${png.length} bytes`);
      assert.ok(files.includes(`extension/${media}`), `${media} is in the .vsix`);
    }
  });

  it('declares virtual workspaces supported: no source reads the workspace’s files', () => {
    const m = manifest() as unknown as { capabilities: { virtualWorkspaces: unknown } };
    assert.equal(m.capabilities.virtualWorkspaces, true);
    const readers = /workspace\.fs\b|findFiles\(|workspace\.textDocuments|workspace\.rootPath|createFileSystemWatcher/;
    const src = path.join(ROOT, 'src');
    const found = (fs.readdirSync(src, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => readers.test(fs.readFileSync(path.join(src, f), 'utf8')));
    assert.deepEqual(found, [], 'files that read the workspace');
  });

  it('is marked preview while below 1.0, with a gallery banner, fitting categories and keywords', () => {
    const m = manifest();
    const major = Number(m.version.split('.')[0]);
    if (major < 1) assert.equal(m.preview, true, `version ${m.version} is a preview`);
    assert.match(m.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
    assert.ok(['dark', 'light'].includes(m.galleryBanner?.theme ?? ''));
    assert.ok(m.categories?.includes('Other'));
    const keywords = m.keywords ?? [];
    assert.ok(keywords.length <= 30, `vsce allows 30 keywords (${keywords.length})`);
    for (const k of ['ssh', 'ssh key', 'keypair', 'openstack', 'nova', 'rackspace', 'remote ssh'])
      assert.ok(keywords.includes(k), k);
    assert.equal(new Set(keywords).size, keywords.length, 'no keyword twice');
  });

  it('meets the Open VSX rules for its metadata', () => {
    const m = JSON.parse(entryText('extension/package.json')) as Manifest;
    // Names: Open VSX's pattern (letters, digits, _ - + $ ~), and the Marketplace's lowercase ids.
    for (const id of [m.publisher, m.name]) assert.match(id, /^[a-z0-9][a-z0-9-]*$/);
    assert.match(m.version, /^\d+\.\d+\.\d+$/);
    assert.ok(m.displayName.length <= 255 && m.description.length <= 2048);
    for (const text of [
      m.displayName,
      m.description,
      ...(m.keywords ?? []),
      ...(m.categories ?? []),
      m.license ?? '',
    ]) {
      assert.ok(
        !/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\u2028\u2029]/u.test(text),
        `no control character in ${JSON.stringify(text)}`,
      );
      assert.ok(text.length <= 255);
    }
    assert.ok((m.galleryBanner?.color ?? '').length <= 16);
    // A licence: an SPDX id, and its file in the package (Open VSX refuses unlicensed content).
    assert.equal(m.license, 'MIT');
    assert.ok(files.includes('extension/LICENSE.txt') || files.includes('extension/LICENSE'), 'LICENSE in the .vsix');
    assert.match(m.engines.vscode, /^\^\d+\.\d+\.\d+$/);
    assert.ok(!(m.activationEvents ?? []).includes('*'), 'no * activation');
    assert.ok(files.includes('extension.vsixmanifest') && files.includes('[Content_Types].xml'));
  });

  it('says what it does in the README without codicon syntax in prose', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.deepEqual(readme.match(/\$\([a-z0-9-]+(~spin)?\)/g) ?? [], []);
    assert.match(readme, /npm install && npm run sandbox/);
    assert.match(readme, /npm ci && npm test/);
    assert.match(readme, /never: overwrite a file|never overwrite a file/);
  });
});
