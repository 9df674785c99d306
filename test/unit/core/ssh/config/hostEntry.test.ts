import * as assert from 'node:assert/strict';
import { HOST_ENTRY_MARKER, HostEntry, planHostEntry } from '../../../../../src/core/ssh/config/hostEntry';
import { block, entry, EXISTING, HOME } from '../../../helpers/sshConfigFixtures';

const plan = (text: string | Buffer, over: Partial<HostEntry> = {}) =>
  planHostEntry(text, entry(over), { home: HOME, platform: 'linux' });
const planText = (text: string | Buffer, over: Partial<HostEntry> = {}) => {
  const p = plan(text, over);
  assert.ok('text' in p, JSON.stringify(p));
  return p.text.toString('utf8');
};

describe('ssh/config/hostEntry planHostEntry (one Host entry, where it takes effect)', () => {
  it('inserts before the first Match, after the leading Include, global and non-matching Host lines, byte for byte', () => {
    const out = plan(EXISTING, { hostName: '203.0.113.5', user: 'root', port: 2200 });
    assert.equal(out.outcome, 'added');
    assert.ok('text' in out);
    const lines = EXISTING.split('\n');
    const ours = block(
      ['Host web1', 'HostName 203.0.113.5', 'User root', 'Port 2200', 'IdentityFile ~/.ssh/web1', 'IdentitiesOnly yes'],
      '    ',
    );
    assert.equal(out.text.toString(), `${lines.slice(0, 6).join('\n')}\n${ours}\n${lines.slice(6).join('\n')}`);
    assert.equal(out.line, 7);
  });

  it('goes before "Host *" and keeps the comment right above it with it', () => {
    assert.equal(
      planText('User global\n\n# defaults\nHost *\n  User nobody\n'),
      `User global\n\n${block(['Host web1', 'IdentityFile ~/.ssh/web1', 'IdentitiesOnly yes'])}\n# defaults\nHost *\n  User nobody\n`,
    );
  });

  it('keeps CRLF files CRLF, also in the middle', () => {
    const crlf = 'Include a\r\nHost *\r\n  User x\r\n';
    assert.equal(
      planText(crlf, { user: 'me' }),
      `Include a\r\n\r\n${block(['Host web1', 'User me', 'IdentityFile ~/.ssh/web1', 'IdentitiesOnly yes'], '  ', '\r\n')}\r\nHost *\r\n  User x\r\n`,
    );
  });

  it('leaves a last line without a newline as it is when inserting above it', () => {
    assert.equal(
      planText('Host *\n  User x'),
      `${block(['Host web1', 'IdentityFile ~/.ssh/web1', 'IdentitiesOnly yes'])}\nHost *\n  User x`,
    );
  });

  it('appends after a final line without newline (adding only the line break it needs) and in an empty file', () => {
    assert.equal(
      planText('Host a\n  User x'),
      `Host a\n  User x\n\n${block(['Host web1', 'IdentityFile ~/.ssh/web1', 'IdentitiesOnly yes'])}`,
    );
    assert.equal(planText(''), block(['Host web1', 'IdentityFile ~/.ssh/web1', 'IdentitiesOnly yes']));
    assert.equal(plan('Host a\n  User x').line, 4);
  });

  it('keeps bytes that are not UTF-8 exactly', () => {
    const before = Buffer.concat([
      Buffer.from('# caf'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('\n\nHost *\n  User x\n'),
    ]);
    const out = plan(before);
    assert.ok('text' in out);
    const ours = Buffer.from(block(['Host web1', 'IdentityFile ~/.ssh/web1', 'IdentitiesOnly yes']) + '\n');
    const at = before.indexOf('Host *');
    assert.deepEqual(out.text, Buffer.concat([before.subarray(0, at), ours, before.subarray(at)]));
  });

  for (const alias of ['jump', 'gateway', 'bastion', 'db2']) {
    it(`leaves the user's own entry for "${alias}" alone (exists, with its line)`, () => {
      const out = plan(EXISTING, { alias });
      assert.equal(out.outcome, 'exists');
      assert.equal(out.line, EXISTING.split('\n').findIndex((l) => l.includes(alias)) + 1);
    });
  }

  it('counts "Match Host=web" (criterion=list) as the user\'s own entry, as ssh does (issue 18)', () => {
    // Before: "Host=web" was read as one unknown criterion, and a second entry was added.
    for (const head of ['Match Host=web', 'Match host=db,web user bob', 'Match originalhost=web']) {
      const text = `${head}\n  User deploy\n`;
      const out = plan(text, { alias: 'web' });
      assert.deepEqual(out, { outcome: 'exists', line: 1 }, head);
    }
  });

  it('does not count patterns, other cases, comments or negations as the alias', () => {
    for (const alias of ['work-1', 'Jump', 'commented-out', 'all', 'neg', 'alice']) {
      assert.equal(plan(`${EXISTING}\nHost !neg\n`, { alias }).outcome, 'added', alias);
    }
  });

  it('updates its own marked entry in place, keeping lines the user added to it and everything else', () => {
    const first = planText('Host a\n\nHost *\n  User x\n', { hostName: '198.51.100.1', user: 'root', port: 2222 });
    const edited = first.replace('  IdentitiesOnly yes\n', '  IdentitiesOnly yes\n  ForwardAgent yes\n');
    const second = plan(edited, { hostName: '198.51.100.2', user: 'root', identityFile: `${HOME}/.ssh/web1-new` });
    assert.equal(second.outcome, 'updated');
    assert.ok('text' in second);
    assert.equal(
      second.text.toString(),
      `Host a\n\nHost web1\n  ${HOST_ENTRY_MARKER}\n  HostName 198.51.100.2\n  User root\n  IdentityFile ~/.ssh/web1-new\n  IdentitiesOnly yes\n  ForwardAgent yes\n\nHost *\n  User x\n`,
    );
    assert.equal(second.line, 3);
    assert.equal(
      plan(second.text, { hostName: '198.51.100.2', user: 'root', identityFile: `${HOME}/.ssh/web1-new` }).outcome,
      'unchanged',
    );
  });

  it('adds missing options to its marked entry, also when it is the last line without a newline', () => {
    const text = `Host web1\r\n\t${HOST_ENTRY_MARKER}\r\n\tIdentityFile ~/.ssh/web1`;
    assert.equal(
      planText(text, { user: 'u' }),
      `Host web1\r\n\t${HOST_ENTRY_MARKER}\r\n\tIdentityFile ~/.ssh/web1\r\n\tUser u\r\n\tIdentitiesOnly yes\r\n`,
    );
  });

  it('refuses bad entries with a message', () => {
    assert.throws(() => plan('', { alias: 'me@laptop' }), /"@"/);
    assert.throws(() => plan('', { port: 0 }), /port/);
    assert.throws(() => plan('', { hostName: '-oProxyCommand=x' }), /start with "-"/);
    assert.throws(() => plan('', { user: 'a%b' }), /"%"/);
    assert.throws(() => plan('', { identityFile: '/x/"y"' }), /quotes/);
  });
});
