// Pure authorized_keys editing: what ends up in the file, byte for byte.
import * as assert from 'node:assert/strict';
import {
  AuthorizedKeysError,
  addAuthorizedKey,
  hasAuthorizedKey,
  parseAuthorizedKeys,
  removeAuthorizedKey,
} from '../../../../src/core/ssh/authorizedKeys';
import { keygenKey, makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { exactly } from '../../../support/must';

describe('authorized_keys editing', () => {
  const cleanup: string[] = [];
  let a: string; // `ssh-ed25519 AAAA… test ed25519`, no newline
  let b: string;
  let rsa: string;
  const base = (line: string) => line.split(' ').slice(0, 2).join(' ');

  before(() => {
    const dir = makeTempDir(cleanup);
    a = keygenKey(dir, 'ed25519').publicLine.trim();
    b = keygenKey(dir, 'ed25519').publicLine.trim();
    rsa = keygenKey(dir, 'rsa', 2048).publicLine.trim();
  });
  after(() => removeTempDirs(cleanup));

  describe('add', () => {
    it('creates the first line of an empty file, with a newline', () => {
      assert.deepEqual(addAuthorizedKey('', a), { text: `${a}\n`, changed: true });
    });

    it('appends after the existing lines and keeps them byte-identical', () => {
      const before = `# my keys\n${rsa}\n\n`;
      const { text, changed } = addAuthorizedKey(before, b);
      assert.equal(changed, true);
      assert.equal(text, `${before}${b}\n`);
    });

    it('adds a newline first when the file has no final newline', () => {
      assert.equal(addAuthorizedKey(rsa, a).text, `${rsa}\n${a}\n`);
    });

    it('keeps CRLF files CRLF', () => {
      assert.equal(addAuthorizedKey(`${rsa}\r\n`, a).text, `${rsa}\r\n${a}\r\n`);
      assert.equal(addAuthorizedKey(`${rsa}\r\n# x`, a).text, `${rsa}\r\n# x\r\n${a}\r\n`);
    });

    it('does not append a key twice, whatever its comment or options there', () => {
      for (const existing of [
        a,
        `${base(a)} another comment`,
        `${base(a)}`,
        `no-pty,from="10.0.0.1,10.0.0.2" ${base(a)} x`,
        `command="echo \\"hi there\\"" ${base(a)}`,
        `   ${a}`,
      ]) {
        const text = `${rsa}\n${existing}\n`;
        assert.deepEqual(addAuthorizedKey(text, a), { text, changed: false }, existing);
        assert.equal(hasAuthorizedKey(text, a), true, existing);
      }
      const once = addAuthorizedKey('', a).text;
      assert.equal(addAuthorizedKey(once, `${base(a)} other-comment`).text, once);
    });

    it('does not take a commented-out key or a key named in a comment for the key', () => {
      const text = `#${a}\n# ${a}\n`;
      assert.equal(hasAuthorizedKey(text, a), false);
      assert.equal(addAuthorizedKey(text, a).text, `${text}${a}\n`);
    });

    it('refuses what is not one valid public key and changes nothing', () => {
      for (const bad of [
        '',
        `${a}\n${b}`,
        `no-pty ${a}`,
        'ssh-ed25519 AAAAnotbase64!!',
        '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----',
        `${base(a)} evil\u001b[31mred`,
        `${base(a)} two\rlines`,
      ]) {
        assert.throws(() => addAuthorizedKey(`${rsa}\n`, bad), AuthorizedKeysError, JSON.stringify(bad));
      }
    });

    it('writes a hostile comment as plain text on one line', () => {
      const hostile = `${base(a)} $(touch /tmp/pwned) \`id\` "; rm -rf ~; '#`;
      const { text } = addAuthorizedKey('', hostile);
      assert.equal(text, `${hostile}\n`);
      assert.equal(parseAuthorizedKeys(text).length, 1);
    });
  });

  describe('remove', () => {
    it("removes exactly the key's line; the other lines stay byte-identical", () => {
      const before = `# keys\r\n${rsa} laptop\n\nfrom="1.2.3.4" ${b}\n${a}\n  # trailing comment\n`;
      const { text, removed } = removeAuthorizedKey(before, a);
      assert.equal(removed, 1);
      assert.equal(text, `# keys\r\n${rsa} laptop\n\nfrom="1.2.3.4" ${b}\n  # trailing comment\n`);
    });

    it('removes every line of that key (with options or another comment) and no other', () => {
      const before = `${a}\n${b}\ncommand="uptime",no-pty ${base(a)} old\n${base(a)}\n`;
      const { text, removed } = removeAuthorizedKey(before, `${base(a)} whatever`);
      assert.equal(removed, 3);
      assert.equal(text, `${b}\n`);
    });

    it('keeps CRLF and a missing final newline', () => {
      assert.equal(removeAuthorizedKey(`${rsa}\r\n${a}\r\n${b}`, a).text, `${rsa}\r\n${b}`);
      assert.equal(removeAuthorizedKey(`${rsa}\r\n${a}`, a).text, rsa);
      assert.equal(removeAuthorizedKey(`${rsa}\n${a}`, a).text, rsa);
      assert.equal(removeAuthorizedKey(`${a}\n`, a).text, '');
      assert.equal(removeAuthorizedKey(a, a).text, '');
    });

    it('changes nothing when the key is not there', () => {
      const before = `# ${a}\n${b}\n`;
      assert.deepEqual(removeAuthorizedKey(before, a), { text: before, removed: 0 });
    });

    it('leaves unparsable lines alone', () => {
      const before = `garbage here\nfrom="unterminated ${base(a)}\n${a}\n`;
      assert.equal(removeAuthorizedKey(before, a).text, `garbage here\nfrom="unterminated ${base(a)}\n`);
    });

    it('does not remove a key whose data only starts like the old one', () => {
      const longer = `${base(rsa)}`;
      const before = `${longer}\n${a}\n`;
      assert.equal(removeAuthorizedKey(before, a).text, `${longer}\n`);
      assert.equal(removeAuthorizedKey(before, rsa).text, `${a}\n`);
    });
  });

  it('parses options with quoted blanks and escaped quotes', () => {
    const [line] = exactly(parseAuthorizedKeys(`command="echo \\"a b\\" c",no-pty ${a}\n`), 1, 'line');
    assert.equal(line.options, 'command="echo \\"a b\\" c",no-pty');
    assert.equal(line.key, base(a));
    assert.equal(line.comment, 'test ed25519');
  });
});
