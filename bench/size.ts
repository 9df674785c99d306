/**
 * Sizes of what ships: the bundle files and the .vsix, with the .vsix's file list. The .vsix
 * is split in two budgets: what runs (everything but images shown from the package) and those
 * images: the walkthrough's media (package.json) and any image of the README that ships inside
 * the package (none while the README is packaged as text only: see scripts/package.mjs).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { must } from '../test/support/must';

export interface ZipEntry {
  name: string;
  compressedBytes: number;
  uncompressedBytes: number;
  /** Bytes this entry takes in the zip: local header, data, and its central directory record. */
  footprintBytes: number;
  /** Where its local header starts in the zip. */
  localHeaderOffset: number;
}

export interface SizeResult {
  extensionJsBytes: number;
  /** The lazy and shared chunks beside dist/extension.js (scripts/build.mjs), by name. */
  chunks: { file: string; bytes: number }[];
  undiciJsBytes: number;
  vsixBytes: number;
  vsixFiles: string[];
  /** The .vsix's entries that are the walkthrough's media or images of its README (extension/<path>). */
  media: ZipEntry[];
  /** vsixBytes minus the footprint of those images: what the .vsix would be without them. */
  vsixWithoutMediaBytes: number;
}

/** The entries of a zip, from its central directory. */
export async function zipEntryDetails(file: string): Promise<ZipEntry[]> {
  const buf = await fs.readFile(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const compressedBytes = buf.readUInt32LE(p + 20);
    const uncompressedBytes = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localHeader = buf.readUInt32LE(p + 42);
    if (buf.readUInt32LE(localHeader) !== 0x04034b50) throw new Error(`${file}: bad local header`);
    const localBytes = 30 + buf.readUInt16LE(localHeader + 26) + buf.readUInt16LE(localHeader + 28);
    const hasDescriptor = (buf.readUInt16LE(p + 8) & 0x08) !== 0;
    const centralBytes = 46 + nameLen + extraLen + commentLen;
    entries.push({
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
      compressedBytes,
      uncompressedBytes,
      footprintBytes: localBytes + compressedBytes + (hasDescriptor ? 16 : 0) + centralBytes,
      localHeaderOffset: localHeader,
    });
    p += centralBytes;
  }
  return entries;
}

/** Names of the files in a zip, from its central directory. */
export async function zipEntries(file: string): Promise<string[]> {
  return (await zipEntryDetails(file)).map((e) => e.name);
}

/** Image paths of a README (Markdown `![alt](path)` and HTML `<img src>`), as written. */
export function readmeImagePaths(markdown: string): string[] {
  const md = [...markdown.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) =>
    must(m[1], 'image path'),
  );
  const html = [...markdown.matchAll(/<img\b[^>]*\bsrc=["']([^"']+)["']/gi)].map((m) => must(m[1], 'img src'));
  return [...md, ...html];
}

interface WalkthroughMedia {
  image?: string | Record<string, string>;
  svg?: string;
  markdown?: string;
}

/** Files the manifest's walkthrough steps show (media.image, per theme or not; svg; markdown). */
export function walkthroughMedia(manifestJson: string): string[] {
  const manifest = JSON.parse(manifestJson) as {
    contributes?: { walkthroughs?: { steps?: { media?: WalkthroughMedia }[] }[] };
  };
  const files = (manifest.contributes?.walkthroughs ?? []).flatMap((w) =>
    (w.steps ?? []).flatMap(({ media }) => {
      if (!media) return [];
      const image = typeof media.image === 'string' ? [media.image] : Object.values(media.image ?? {});
      return [...image, ...(media.svg ? [media.svg] : []), ...(media.markdown ? [media.markdown] : [])];
    }),
  );
  return [...new Set(files)];
}

export async function measureSizes(o: {
  extensionJs: string;
  undiciJs: string;
  vsix: string;
  readme: string;
  manifest: string;
}): Promise<SizeResult> {
  const size = async (f: string) => (await fs.stat(f)).size;
  const entries = await zipEntryDetails(o.vsix);
  const images = new Set(
    [
      ...readmeImagePaths(await fs.readFile(o.readme, 'utf8')),
      ...walkthroughMedia(await fs.readFile(o.manifest, 'utf8')),
    ]
      .filter((p) => !/^[a-z][a-z0-9+.-]*:/i.test(p))
      .map((p) => `extension/${p.replace(/^\.?\//, '')}`),
  );
  const media = entries.filter((e) => images.has(e.name));
  const vsixBytes = await size(o.vsix);
  const dist = path.dirname(o.extensionJs);
  const notChunks = new Set([path.basename(o.extensionJs), path.basename(o.undiciJs), 'bcryptWorker.js']);
  const chunks = await Promise.all(
    (await fs.readdir(dist))
      .filter((f) => f.endsWith('.js') && !notChunks.has(f))
      .map(async (file) => ({ file, bytes: await size(path.join(dist, file)) })),
  );
  return {
    extensionJsBytes: await size(o.extensionJs),
    chunks,
    undiciJsBytes: await size(o.undiciJs),
    vsixBytes,
    vsixFiles: entries.map((e) => e.name),
    media,
    vsixWithoutMediaBytes: vsixBytes - media.reduce((sum, e) => sum + e.footprintBytes, 0),
  };
}
