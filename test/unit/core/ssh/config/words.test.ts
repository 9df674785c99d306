import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configWord, splitConfigArgs, suggestAlias } from '../../../../../src/core/ssh/config/words';
import { makeTempDir, removeTempDirs } from '../../../helpers/keysTestUtil';
import { sshG } from '../../../helpers/sshG';

const cleanup: string[] = [];
after(() => removeTempDirs(cleanup));

/** A latin1 byte string of UTF-8 text, as the config readers take it. */
const bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
const unbytes = (text: string) => Buffer.from(text, 'latin1').toString('utf8');

describe('ssh/config/words: word rules', () => {
  it('quotes and escapes words as ssh reads them back', () => {
    assert.equal(configWord('/a b/100%', { tokens: true }), '"/a b/100%%"');
    assert.equal(configWord("it's", { tokens: false }), `"it's"`);
    assert.equal(configWord('plain', { tokens: false }), 'plain');
    assert.throws(() => configWord('a"b', { tokens: false }));
    assert.deepEqual(splitConfigArgs(`"a b" 'c d' e\\ f g # comment`), ['a b', 'c d', 'e f', 'g']);
  });

  it('suggests an alias a key file name allows', () => {
    assert.equal(suggestAlias('me@laptop'), 'me-laptop');
    assert.equal(suggestAlias('-web_1.a'), 'web_1-a');
  });

  it('never suggests a dot: a server named like a real host must not capture it (issue 18)', () => {
    // Before: "github.com" was suggested as it is, and its entry then caught git@github.com.
    assert.equal(suggestAlias('github.com'), 'github-com');
    assert.equal(suggestAlias('web.prod.example.'), 'web-prod-example');
    assert.equal(suggestAlias('..'), 'server');
  });
});

describe('ssh/config/words: words as OpenSSH splits them (checked against ssh -G)', () => {
  const cases = [
    'C:\\Users\\me\\.ssh\\deploy',
    '/srv/Рома/keys/deploy',
    '"/keys/with space/k"',
    "'/keys/single quoted'",
    '/keys/escaped\\ space',
    '"/keys/q\\"uote"',
    '/keys/back\\\\slash',
  ];
  for (const written of cases) {
    it(`reads IdentityFile ${JSON.stringify(written)} as ssh does`, () => {
      const dir = makeTempDir(cleanup);
      const config = path.join(dir, 'config');
      fs.writeFileSync(config, `Host x\n  IdentityFile ${written}\n`);
      const expected = (sshG(config, 'x').get('identityfile') ?? [])[0];
      const ours = splitConfigArgs(bytes(written))[0];
      assert.ok(expected !== undefined);
      assert.equal(unbytes(ours ?? ''), expected);
    });
  }

  it('never treats a byte of 0x80 or more as a space (Р is D0 A0 in UTF-8)', () => {
    assert.deepEqual(splitConfigArgs(bytes('/srv/Рома/k other')).map(unbytes), ['/srv/Рома/k', 'other']);
  });
});
