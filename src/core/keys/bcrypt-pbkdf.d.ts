/** Types for bcrypt-pbkdf 1.0.2 (a port of OpenBSD's bcrypt_pbkdf; the package ships none). */
declare module 'bcrypt-pbkdf' {
  /** Fills `key[0..keylen)`; returns 0, or -1 for invalid arguments (empty pass or salt, rounds < 1). */
  export function pbkdf(
    pass: Uint8Array,
    passlen: number,
    salt: Uint8Array,
    saltlen: number,
    key: Uint8Array,
    keylen: number,
    rounds: number,
  ): number;
}
