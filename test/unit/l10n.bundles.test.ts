// The pseudo-locale bundles that scripts/l10n.mjs writes at build time: every string of the
// shell and of the manifest is wrapped as ⟦…⟧, placeholders kept, none missing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, string>;

describe('l10n bundles', () => {
  it('the pseudo-locale wraps every string of the shell and keeps its placeholders', () => {
    const english = read('l10n/bundle.l10n.json');
    const pseudo = read('l10n/bundle.l10n.qps-ploc.json');
    assert.ok(Object.keys(english).length > 100, "the shell's strings were extracted");
    assert.deepEqual(Object.keys(pseudo).sort(), Object.keys(english).sort());
    for (const [key, shown] of Object.entries(pseudo)) {
      assert.equal(shown, `⟦${english[key]}⟧`);
      assert.deepEqual(shown.match(/\{\d+\}/g) ?? [], key.match(/\{\d+\}/g) ?? []);
    }
  });

  it('the manifest: every %key% of package.json has English and pseudo text', () => {
    const manifest = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8');
    const keys = [...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1] ?? '');
    const english = read('package.nls.json');
    const pseudo = read('package.nls.qps-ploc.json');
    assert.ok(keys.length > 20);
    for (const key of keys) {
      assert.equal(typeof english[key], 'string', key);
      assert.equal(pseudo[key], `⟦${english[key]}⟧`, key);
    }
  });
});
