/**
 * The e2e suite's pseudo-locale check (test/support/pseudoLocale.ts) against the real bundles:
 * it must find the extension's English when a string is shown unwrapped, and only then.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  englishPieces,
  extensionEnglish,
  leftoverWords,
  pseudo,
  stripWrapped,
  unwrappedEnglish,
} from '../support/pseudoLocale';

const ROOT = path.resolve(__dirname, '../../..');

describe('the pseudo-locale check of the e2e suite', () => {
  const pieces = englishPieces(extensionEnglish(ROOT));

  it('knows the English of the extension: hundreds of pieces, manifest strings among them', () => {
    assert.ok(pieces.length > 200, `${pieces.length} pieces`);
    assert.ok(pieces.includes('Create Server Key Pair'), 'a command title from package.nls.json');
    assert.ok(pieces.includes('Signed in as'), 'the fixed part of "Signed in as {0}. …"');
  });

  it('finds English shown unwrapped, with the data around it', () => {
    const shown = 'Signed in as demo (Rackspace, tenant 123456). Key pairs go to region ORD.';
    const found = unwrappedEnglish(shown, pieces);
    for (const piece of ['Key pairs go to region', 'Signed in as']) assert.ok(found.includes(piece), piece);
    assert.deepEqual(unwrappedEnglish('demo (tenant 123456) ORD', pieces), [], 'data alone is no English of ours');
  });

  it('finds an English piece left between wrapped ones', () => {
    const shown = '⟦Key pair "x" created⟧ Open the public key ⟦(MD5 aa:bb)⟧';
    assert.deepEqual(unwrappedEnglish(shown, ['Open the public key', 'Key pair']), ['Open the public key']);
  });

  it('accepts the pseudo-locale text of the same message, nested wraps included', () => {
    const outer = pseudo(ROOT, 'Signed in as {0}. Key pairs go to region {1}.');
    const shown = outer.replace('{0}', 'demo ⟦(Rackspace, tenant {0})⟧'.replace('{0}', '123456')).replace('{1}', 'ORD');
    assert.match(shown, /^⟦Signed in as demo ⟦\(Rackspace, tenant 123456\)⟧\. Key pairs go to region ORD\.⟧$/);
    assert.deepEqual(unwrappedEnglish(shown, pieces), []);
    assert.equal(stripWrapped(shown).trim(), '');
  });
});

describe('leftoverWords: what a surface of the extension shows unwrapped', () => {
  it('finds the words of a string that never went through l10n', () => {
    assert.deepEqual(leftoverWords('$(key) Key Pair', []), ['Key', 'Pair']);
  });

  it('leaves codicons, fingerprints, paths and the data the test typed', () => {
    const shown = '$(key) ⟦Key pair "zq-pseudo" created⟧ ~/.ssh/zq_pseudo MD5:aa:bb:cc zq pseudo';
    assert.deepEqual(leftoverWords(shown, ['zq', 'pseudo']), []);
  });
});
