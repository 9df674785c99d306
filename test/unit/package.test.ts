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

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-package-'));
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

  it('ships every README image at its README path, and no screenshot the README does not show', () => {
    const readme = entryText('extension/readme.md');
    const images = readmeImagePaths(readme);
    assert.ok(images.length >= 5, `the README shows its screenshots (${images.length})`);
    assert.deepEqual(
      images,
      readmeImagePaths(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')),
      'the packaged README keeps the image paths as written',
    );
    for (const image of images) {
      assert.ok(!/^[a-z][a-z0-9+.-]*:/i.test(image), `${image} is a path in the package, not a URL`);
      assert.ok(files.includes(`extension/${image}`), `${image} is in the .vsix`);
    }
    const shots = files.filter((f) => f.startsWith('extension/media/screenshots/'));
    assert.deepEqual(
      shots.filter((f) => !images.includes(f.slice('extension/'.length))),
      [],
      'every shipped screenshot is shown',
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

  it('contributes the walkthrough: four steps, each with shipped media and a completion event', () => {
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
      const media = step.media.svg ?? step.media.image;
      assert.ok(media, `${step.id} has media`);
      assert.ok(step.media.altText, `${step.id}: the media has alt text`);
      const file = path.join(ROOT, media);
      assert.ok(fs.statSync(file).size > 0 && fs.statSync(file).size <= 8 * 1024, `${media} exists and is small`);
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
