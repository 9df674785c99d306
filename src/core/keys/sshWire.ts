/**
 * SSH wire-format primitives (RFC 4251 §5): uint32, string and mpint.
 * Shared by the public-key parser and the private-key writer.
 */

import { redactText } from '../base/redact';
import * as l10n from '../base/l10n';

/** Thrown when a buffer does not hold well-formed SSH wire data. */
export class WireError extends Error {
  constructor(message?: string) {
    super(message === undefined ? undefined : redactText(message));
  }
}

/** Encodes a big-endian uint32. */
export function encodeUint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** Encodes an SSH `string`: uint32 length followed by the bytes (UTF-8 for text). */
export function encodeString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([encodeUint32(bytes.length), bytes]);
}

/**
 * Encodes a non-negative SSH `mpint` from a big-endian magnitude: leading zero bytes are
 * dropped and one zero byte is prepended when the top bit is set (zero is an empty string).
 */
export function encodeMpint(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const needsZero = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return encodeString(needsZero ? Buffer.concat([Buffer.alloc(1), trimmed]) : trimmed);
}

/** Sequential reader over SSH wire data; every read throws {@link WireError} past the end. */
export class SshReader {
  private offset = 0;

  constructor(private readonly data: Buffer) {}

  /** Reads a big-endian uint32. */
  uint32(): number {
    this.need(4);
    const value = this.data.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** Reads an SSH `string` as raw bytes. */
  string(): Buffer {
    const length = this.uint32();
    this.need(length);
    const value = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** Reads an SSH `string` that must be ASCII text (key type names, curve names). */
  text(): string {
    const bytes = this.string();
    if (bytes.some((b) => b < 0x20 || b > 0x7e)) {
      throw new WireError(l10n.t('text field contains non-ASCII bytes'));
    }
    return bytes.toString('latin1');
  }

  /**
   * Reads a non-negative `mpint` and returns its magnitude, big-endian, without
   * leading zero bytes (empty for zero). Negative values are rejected.
   */
  mpint(): Buffer {
    const bytes = this.string();
    if (((bytes[0] ?? 0) & 0x80) !== 0) {
      throw new WireError(l10n.t('negative integer'));
    }
    let start = 0;
    while (start < bytes.length && bytes[start] === 0) start++;
    return bytes.subarray(start);
  }

  /** Reads `length` raw bytes. */
  bytes(length: number): Buffer {
    this.need(length);
    const value = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** Returns every byte not read yet (and consumes them). */
  rest(): Buffer {
    return this.bytes(this.data.length - this.offset);
  }

  /** Throws unless every byte has been read. */
  end(): void {
    if (this.offset !== this.data.length) {
      throw new WireError(l10n.t('unexpected data at the end'));
    }
  }

  private need(length: number): void {
    if (this.data.length - this.offset < length) {
      throw new WireError(l10n.t('data is truncated'));
    }
  }
}

/** Number of significant bits in a big-endian magnitude without leading zero bytes. */
export function bitLength(magnitude: Buffer): number {
  if (magnitude.length === 0) return 0;
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0] ?? 0));
}
