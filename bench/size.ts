/** Sizes of what ships: the bundle files and the .vsix, with the .vsix's file list. */
import { promises as fs } from 'node:fs';

export interface SizeResult {
  extensionJsBytes: number;
  undiciJsBytes: number;
  vsixBytes: number;
  vsixFiles: string[];
}

/** Names of the files in a zip, from its central directory. */
export async function zipEntries(file: string): Promise<string[]> {
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
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

export async function measureSizes(o: { extensionJs: string; undiciJs: string; vsix: string }): Promise<SizeResult> {
  const size = async (f: string) => (await fs.stat(f)).size;
  return {
    extensionJsBytes: await size(o.extensionJs),
    undiciJsBytes: await size(o.undiciJs),
    vsixBytes: await size(o.vsix),
    vsixFiles: await zipEntries(o.vsix),
  };
}
