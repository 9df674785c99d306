/**
 * Server text is shown as plain text: VS Code makes `[label](command:…)` a live link in
 * notifications, dialogs and quick input messages, and `$(name)` an icon in quick pick
 * labels. The pattern VS Code links is the one of its parseLinkedText (workbench).
 */
import * as assert from 'node:assert/strict';
import { plainLabel, plainMessage } from '../../../../src/core/base/plainText';
import { must } from '../../../support/must';

/** What VS Code turns into a link in a message: `[label](https:…|command:…|file:…)`. */
const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
const visible = (text: string) => text.replace(/\u200b/g, '');

describe('plainMessage / plainLabel (server text as plain text)', () => {
  const attacks = [
    'Quota exceeded. [Fix it](command:keypairs.signOut)',
    '[a](https://evil.example/x) and [b](file:///etc/passwd)',
    '[x] (command:keypairs.delete)',
    'see <https://evil.example>',
    '[nested [link]](command:workbench.action.openSettings?%5B%22x%22%5D)',
  ];

  for (const text of attacks) {
    it(`leaves no link in ${JSON.stringify(text)}, and reads the same`, () => {
      const shown = plainMessage(text);
      assert.equal(shown.match(LINK), null, shown);
      assert.equal(visible(shown), text);
    });
  }

  it('the link in a real server message is seen by the link pattern before', () => {
    assert.ok(must(attacks[0], 'the first attack').match(LINK), 'the test pattern finds the link in the raw text');
  });

  it('leaves ordinary text alone', () => {
    for (const text of ['Key pair "web" created (12:34:ab).', 'Conflict (409): name [taken]', 'a(b) c[d] 1 < 2']) {
      assert.equal(plainMessage(text), text);
    }
  });

  it('plainLabel keeps $(icon) literal and neutralises links', () => {
    assert.equal(plainLabel('$(alert) web'), '\\$(alert) web');
    assert.equal(plainLabel('[x](command:y)').match(LINK), null);
  });
});
