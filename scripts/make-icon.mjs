// Draws media/icon.png (128×128): a white key on a rounded teal square. Run once; the PNG
// is committed. Pure Node (zlib), anti-aliased by 4×4 supersampling.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const S = 128;
const inRounded = (x, y, r) => {
  const cx = Math.min(Math.max(x, r), S - r);
  const cy = Math.min(Math.max(y, r), S - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
// The key: a ring (bow) at left, a shaft to the right, two teeth down.
const inKey = (x, y) => {
  const d = Math.hypot(x - 40, y - 64);
  const ring = d <= 24 && d >= 11;
  const shaft = x >= 58 && x <= 106 && y >= 58 && y <= 70;
  const tooth1 = x >= 84 && x <= 92 && y >= 70 && y <= 84;
  const tooth2 = x >= 98 && x <= 106 && y >= 70 && y <= 88;
  return ring || shaft || tooth1 || tooth2;
};
const px = Buffer.alloc(S * (S * 4 + 1));
for (let y = 0; y < S; y++) {
  px[y * (S * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < S; x++) {
    let bg = 0;
    let key = 0;
    for (let sy = 0; sy < 4; sy++) {
      for (let sx = 0; sx < 4; sx++) {
        const fx = x + (sx + 0.5) / 4;
        const fy = y + (sy + 0.5) / 4;
        if (inRounded(fx, fy, 22)) {
          bg++;
          if (inKey(fx, fy)) key++;
        }
      }
    }
    const a = bg / 16;
    const k = bg ? key / bg : 0;
    const mix = (c, w) => Math.round(c * (1 - k) + w * k);
    const o = y * (S * 4 + 1) + 1 + x * 4;
    px[o] = mix(0x0e, 255);
    px[o + 1] = mix(0x7c, 255);
    px[o + 2] = mix(0x86, 255);
    px[o + 3] = Math.round(a * 255);
  }
}
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(S, 0);
ihdr.writeUInt32BE(S, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(px, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../media/icon.png', import.meta.url), png);
console.log(`media/icon.png ${png.length} bytes`);
