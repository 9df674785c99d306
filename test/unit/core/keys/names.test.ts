import * as assert from 'node:assert/strict';
import { checkKeyPairName, keyFileName, isPlainFileName } from '../../../../src/core/keys/names';

describe('keys/names checkKeyPairName', () => {
  const accepted: Array<[string, string, string?]> = [
    ['a single letter', 'a'],
    ['letters, digits, "-" and "_"', 'My-key_01'],
    ['inner spaces', 'my laptop key'],
    ['several inner spaces', 'a  b   c'],
    ['a leading "-"', '-key'],
    ['only digits', '2024'],
    ['only "_"', '_'],
    ['exactly 255 characters', 'k'.repeat(255)],
    ['"@" at 2.92', 'me@laptop', '2.92'],
    ['"." at 2.92', 'id.rsa', '2.92'],
    ['"@" and "." at 2.93', 'me@host.example', '2.93'],
    ['"." at 3.0', 'a.b', '3.0'],
    ['"." at latest', 'a.b', 'latest'],
    ['"..." at 2.92 (more than dots)', '..a', '2.92'],
  ];
  for (const [what, name, version] of accepted) {
    it(`accepts ${what}`, () => assert.equal(checkKeyPairName(name, version), undefined));
  }

  const rejected: Array<[string, string, string | undefined, string, number?]> = [
    ['the empty name', '', undefined, 'Enter a name.'],
    ['only spaces', '   ', undefined, "The name can't be only spaces."],
    ['a single space', ' ', undefined, "The name can't be only spaces."],
    ['a leading space', ' key', undefined, "The name can't start with a space.", 1],
    ['a trailing space', 'key ', undefined, "The name can't end with a space.", 4],
    ['a leading tab', '\tkey', undefined, "The name can't start with a tab (U+0009).", 1],
    ['a trailing newline', 'key\n', undefined, "The name can't end with a line break (U+000A).", 4],
    ['a trailing CR', 'key\r', undefined, "The name can't end with a carriage return (U+000D).", 4],
    ['a leading no-break space', '\u00a0key', undefined, "The name can't start with a non-breaking space (U+00A0).", 1],
    ['"/"', 'keys/a', undefined, `"/" at position 5 is not allowed. Use letters, digits, spaces, "-" and "_".`, 5],
    ['"\\"', 'a\\b', undefined, `"\\" at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`, 2],
    [
      'an inner tab',
      'a\tb',
      undefined,
      `A tab (U+0009) at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      2,
    ],
    [
      'an inner newline',
      'a\nb',
      undefined,
      `A line break (U+000A) at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      2,
    ],
    [
      'a control character',
      'a\u0007',
      undefined,
      `Control character U+0007 at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      2,
    ],
    [
      'NUL',
      'a\0b',
      undefined,
      `Control character U+0000 at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      2,
    ],
    [
      '"é"',
      'clé',
      undefined,
      `"é" (U+00E9) at position 3 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      3,
    ],
    [
      'an emoji, counting code points',
      'a😀b/',
      undefined,
      `"😀" (U+1F600) at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      2,
    ],
    [
      'a lone emoji',
      '😀',
      undefined,
      `"😀" (U+1F600) at position 1 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      1,
    ],
    [
      'a trailing space after an emoji (position in code points)',
      'a😀 ',
      undefined,
      "The name can't end with a space.",
      3,
    ],
    [
      'a zero-width space',
      'a\u200bb',
      undefined,
      `Invisible character U+200B at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      2,
    ],
    [
      'an em space inside',
      'a\u2003b',
      undefined,
      `A space character (U+2003) at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      2,
    ],
    [
      '"@" before 2.92',
      'me@laptop',
      undefined,
      `"@" at position 3 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      3,
    ],
    [
      '"@" at 2.91',
      'me@laptop',
      '2.91',
      `"@" at position 3 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      3,
    ],
    [
      '"." at 2.10 (numeric, not string, compare)',
      'a.b',
      '2.10',
      `"." at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      2,
    ],
    [
      '"." with an unrecognised microversion',
      'a.b',
      'x',
      `"." at position 2 is not allowed. Use letters, digits, spaces, "-" and "_".`,
      2,
    ],
    [
      '"/" at 2.92 (list names "@" and ".")',
      'a/b',
      '2.92',
      `"/" at position 2 is not allowed. Use letters, digits, spaces, "-", "_", "@" and ".".`,
      2,
    ],
    ['256 characters', 'k'.repeat(256), undefined, 'The name is 1 character too long (256 of at most 255).'],
    ['267 characters', 'k'.repeat(267), undefined, 'The name is 12 characters too long (267 of at most 255).'],
    ['"." at 2.92', '.', '2.92', `"." can't be used as a name because it can't be a file name. Add a letter or digit.`],
    [
      '".." at 2.92',
      '..',
      '2.92',
      `".." can't be used as a name because it can't be a file name. Add a letter or digit.`,
    ],
  ];
  for (const [what, name, version, message, position] of rejected) {
    it(`rejects ${what}`, () =>
      assert.deepEqual(checkKeyPairName(name, version), position === undefined ? { message } : { message, position }));
  }

  it('reports only the first problem, whitespace before characters before length', () => {
    assert.equal(checkKeyPairName(` ${'é'.repeat(300)}`)?.message, "The name can't start with a space.");
    assert.match(checkKeyPairName(`${'k'.repeat(300)}/`)!.message, /^"\/" at position 301/);
  });

  it('counts length in code points (a 255-emoji name is a character problem, not 510 long)', () => {
    assert.match(checkKeyPairName('😀'.repeat(255))!.message, /at position 1 /);
  });

  it('compares microversions numerically with the shared parser (2.100 > 2.92 > 2.9); anything else is legacy', () => {
    assert.equal(checkKeyPairName('a.b', '2.100'), undefined);
    for (const mv of ['2.9', '2.91', '1.99', '2', '2.92.1', 'v2.92', ''])
      assert.notEqual(checkKeyPairName('a.b', mv), undefined, mv);
  });

  it('applies the legacy rule to undefined and old microversions alike', () => {
    assert.deepEqual(checkKeyPairName('a%', '2.1'), checkKeyPairName('a%'));
  });
});

describe('keys/names keyFileName', () => {
  it('replaces every space with "_"', () => assert.equal(keyFileName('my laptop  key'), 'my_laptop__key'));
  it('keeps other characters', () => assert.equal(keyFileName('me@host.example-1_a'), 'me@host.example-1_a'));
  it('keeps a leading "-" (files are always written by full path)', () => assert.equal(keyFileName('-k'), '-k'));
  it('throws instead of returning a path escape', () => {
    for (const bad of ['.', '..', '', 'a/b', 'a\\b', 'a\0b'])
      assert.throws(() => keyFileName(bad), /can't be used as a file name/);
  });

  it('maps every accepted name to a plain file name (randomised over the 2.92 alphabet)', () => {
    const alphabet = 'aZ09 _-@.';
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    let checked = 0;
    for (let i = 0; i < 20000; i++) {
      const length = 1 + (next() % 6);
      const name = Array.from({ length }, () => alphabet[next() % alphabet.length]).join('');
      if (checkKeyPairName(name, '2.92') !== undefined) continue;
      const file = keyFileName(name);
      assert.ok(isPlainFileName(file), name);
      assert.ok(file !== '.' && file !== '..' && !/[/\\\0 ]/.test(file), name);
      checked++;
    }
    assert.ok(checked > 10000);
  });
});
