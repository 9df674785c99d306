// Property-based tests of key pair names (fast-check): the validator against an independent
// statement of Nova's schema, for every microversion rule; whatever it accepts is a safe
// file name in the SSH folder; and the emulator (which follows the measured Nova) agrees.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import { ApiError } from '../../../../src/core/api/errors';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { checkKeyPairName, keyFileName } from '../../../../src/core/keys/names';
import { compute, useEmulator } from '../../helpers/env';
import { must } from '../../../support/must';

/** The microversions whose rules differ or border: none (Rackspace), 2.1, 2.91 | 2.92, 2.93. */
const MICROVERSIONS = [undefined, '2.1', '2.91', '2.92', '2.93'] as const;
type Mv = (typeof MICROVERSIONS)[number];

// ---------------------------------------------------------------- Nova's schema, stated here
// Measured against Nova 26.2.2, and from Nova's
// keypairs schema: `name` is a string of 1 to 255 characters (jsonschema counts Python str
// characters, i.e. code points); printable, not starting or ending with whitespace; before
// 2.92 only characters of "_- " + digits + ASCII letters; from 2.92 also "@" and ".".

const DIGITS = '0123456789';
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SAFE_BEFORE_292 = new Set([...`_- ${DIGITS}${LETTERS}`]);
const SAFE_FROM_292 = new Set([...SAFE_BEFORE_292, '@', '.']);
/** Python's str.isspace() code points. */
const PY_WHITESPACE = new Set([
  ...'\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680',
  ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
]);

function microversionAtLeast292(mv: Mv): boolean {
  if (mv === undefined) return false; // no microversion header: the 2.1 rules (Rackspace too)
  const [major = NaN, minor = NaN] = mv.split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 92);
}

function novaAccepts(name: string, mv: Mv): boolean {
  const chars = [...name];
  if (chars.length < 1 || chars.length > 255) return false;
  if (PY_WHITESPACE.has(must(chars[0], 'a first character')) || PY_WHITESPACE.has(must(chars.at(-1), 'a last one'))) {
    return false;
  }
  const safe = microversionAtLeast292(mv) ? SAFE_FROM_292 : SAFE_BEFORE_292;
  return chars.every((c) => safe.has(c));
}

/** What the extension adds on purpose: a name only of dots could not be a file name. */
const onlyDots = (name: string) => name.length > 0 && [...name].every((c) => c === '.');
const validatorShouldAccept = (name: string, mv: Mv) => novaAccepts(name, mv) && !onlyDots(name);

// ---------------------------------------------------------------- names to try

const allowedChar = fc.constantFrom(...SAFE_BEFORE_292);
const unit = fc.oneof(
  { weight: 30, arbitrary: allowedChar },
  { weight: 4, arbitrary: fc.constantFrom('@', '.') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '/',
      '\\',
      '\0',
      ':',
      '*',
      '?',
      '"',
      '<',
      '>',
      '|',
      '~',
      '$',
      '%',
      '+',
      ',',
      ';',
      '=',
      '#',
      '!',
      "'",
      '`',
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      '^',
      '&',
    ),
  },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom(...PY_WHITESPACE, '\u200b', '\ufeff') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, // incl. lone surrogates
  { weight: 1, arbitrary: fc.constantFrom('é', 'ß', 'Ａ', '١', 'ℌ', '😀', 'İ', '\u0301') },
);
const edge = fc.constantFrom('', ' ', '  ', '\t', '\u00a0', '\u3000', '.', '..');
const names = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit, minLength: 0, maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.tuple(edge, fc.string({ unit, minLength: 0, maxLength: 20 }), edge).map(([a, b, c]) => a + b + c),
  },
  { weight: 2, arbitrary: fc.string({ unit: allowedChar, minLength: 250, maxLength: 260 }) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 0, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('.', '@', '-'), minLength: 0, maxLength: 4 }) },
);

const PURE_RUNS = 10_000;

describe('faults: key pair names (property-based)', function () {
  this.timeout(60_000);

  it(`the validator agrees with Nova's schema for ${PURE_RUNS} names × ${MICROVERSIONS.length} microversions`, () => {
    const seen = { accepted: 0, rejected: 0, long: 0, edgeSpace: 0, unicode: 0, extendedOnly: 0 };
    fc.assert(
      fc.property(names, (name) => {
        for (const mv of MICROVERSIONS) {
          const problem = checkKeyPairName(name, mv);
          const expected = validatorShouldAccept(name, mv);
          if ((problem === undefined) !== expected) return false;
          if (problem) {
            // A problem is worded, and a position points at a character that is at fault.
            if (problem.message.trim() === '' || /undefined|NaN/.test(problem.message)) return false;
            if (problem.position !== undefined) {
              const chars = [...name];
              const c = chars[problem.position - 1];
              const atEdge = problem.position === 1 || problem.position === chars.length;
              const safe = microversionAtLeast292(mv) ? SAFE_FROM_292 : SAFE_BEFORE_292;
              if (c === undefined || (safe.has(c) && !(atEdge && /\s/u.test(c)))) return false;
            }
          }
          seen[expected ? 'accepted' : 'rejected']++;
        }
        const chars = [...name];
        if (chars.length > 255) seen.long++;
        if (/^\s|\s$/u.test(name)) seen.edgeSpace++;
        if (/[^\p{ASCII}]/u.test(name)) seen.unicode++;
        if (novaAccepts(name, '2.92') && !novaAccepts(name, '2.91')) seen.extendedOnly++;
        return true;
      }),
      { numRuns: PURE_RUNS, seed: 20250601 },
    );
    // The generator reaches every region of the schema (else this test could not fail).
    const checks = PURE_RUNS * MICROVERSIONS.length;
    assert.ok(seen.accepted > checks / 5 && seen.rejected > checks / 5, JSON.stringify(seen));
    for (const k of ['long', 'edgeSpace', 'unicode', 'extendedOnly'] as const)
      assert.ok(seen[k] > 100, `${k}: ${JSON.stringify(seen)}`);
  });

  it(`every accepted name maps to a safe file name inside the SSH folder (${PURE_RUNS} names)`, () => {
    const posixDir = '/home/u/.ssh';
    const windowsDir = 'C:\\Users\\u\\.ssh';
    let accepted = 0;
    fc.assert(
      fc.property(names, fc.constantFrom(...MICROVERSIONS), (name, mv) => {
        if (checkKeyPairName(name, mv) !== undefined) return true;
        accepted++;
        const file = keyFileName(name);
        if (file === '' || file === '.' || file === '..' || /[/\\\0]/.test(file)) return false;
        if (/^\s|\s$/.test(file) || file.includes(' ')) return false; // spaces become "_"
        for (const [p, dir] of [
          [path.posix, posixDir],
          [path.win32, windowsDir],
        ] as const) {
          for (const f of [file, `${file}.pub`]) {
            const full = p.join(dir, f);
            if (p.dirname(full) !== dir || p.basename(full) !== f) return false;
            const rel = p.relative(dir, full);
            if (rel === '..' || rel.startsWith(`..${p.sep}`) || p.isAbsolute(rel) || rel !== f) return false;
          }
        }
        // Windows: no drive letter or alternate data stream.
        return !file.includes(':');
      }),
      { numRuns: PURE_RUNS, seed: 20250602 },
    );
    assert.ok(accepted > PURE_RUNS / 5, `accepted ${accepted}`);
  });

  it(`keyFileName never yields a path outside the folder, whatever it is given (${PURE_RUNS} strings)`, () => {
    fc.assert(
      fc.property(fc.oneof(names, fc.string({ unit: 'binary', maxLength: 50 })), (name) => {
        let file: string;
        try {
          file = keyFileName(name);
        } catch {
          return true; // refused: the last line of defence
        }
        const dir = '/home/u/.ssh';
        return (
          file !== '' &&
          file !== '.' &&
          file !== '..' &&
          !/[/\\\0]/.test(file) &&
          path.posix.dirname(path.posix.join(dir, file)) === dir
        );
      }),
      { numRuns: PURE_RUNS, seed: 20250603 },
    );
  });

  describe('the emulator (the measured Nova) agrees on a sample', () => {
    const ctx = useEmulator({ maxMicroversion: '2.93', quota: 100_000 });
    const SAMPLE = 200;
    const publicKey = generateEd25519('fuzz').publicKey;

    for (const mv of MICROVERSIONS) {
      it(`${SAMPLE} imports at microversion ${mv ?? 'none'}: 200/201 iff Nova's rule (and the validator) accepts`, async () => {
        const c = compute(ctx.emu.computeUrl, { microversion: mv ?? '' });
        const sample = [
          ...new Set(fc.sample(names, { numRuns: SAMPLE * 2, seed: 7 + MICROVERSIONS.indexOf(mv) })),
        ].slice(0, SAMPLE);
        assert.equal(sample.length, SAMPLE);
        let created = 0;
        for (const name of sample) {
          const ok = await c.create(name, { publicKey }).then(
            () => true,
            (e: unknown) => {
              assert.ok(
                e instanceof ApiError && e.kind === 'bad-request' && e.status === 400,
                `${JSON.stringify(name)}: ${String(e)}`,
              );
              return false;
            },
          );
          assert.equal(ok, novaAccepts(name, mv), `server on ${JSON.stringify(name)}`);
          // The validator refuses what the server would (and only dot-names beyond that).
          assert.equal(
            checkKeyPairName(name, mv) === undefined,
            ok && !onlyDots(name),
            `validator on ${JSON.stringify(name)}`,
          );
          if (ok) created++;
        }
        assert.ok(created > SAMPLE / 5 && created < SAMPLE, `both answers seen: ${created} created`);
        assert.equal(ctx.emu.keypairs().length, created);
      });
    }
  });
});
