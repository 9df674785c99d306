import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addHostToSshConfig } from '../../src/keys/sshConfig';
import { makeTempDir, removeTempDirs } from './helpers/keysTestUtil';

const EXISTING = [
  '# My config',
  'Include ~/.ssh/config.d/*',
  '',
  'Host work-*  # all work hosts',
  '    User alice',
  '',
  'Match host bastion exec "test -f /tmp/x"',
  '    ForwardAgent no',
  '',
  'Host=jump gateway',
  '\tHostName 10.0.0.1',
  '',
  'Match originalhost db1,db2 user bob',
  '  Port 2222',
  '# Host commented-out',
  'Host *',
  '  ServerAliveInterval 30',
].join('\n');

describe('keys/sshConfig addHostToSshConfig', () => {
  const dirs: string[] = [];
  let dir: string;
  let config: string;
  beforeEach(() => {
    dir = makeTempDir(dirs);
    config = path.join(dir, 'config');
  });
  after(() => removeTempDirs(dirs));

  const mode = (p: string) => fs.statSync(p).mode & 0o777;
  const add = (alias: string, extra: { hostName?: string; user?: string; identityFile?: string } = {}) =>
    addHostToSshConfig({ configPath: config, alias, identityFile: path.join(dir, 'mykey'), ...extra });

  it('appends a block after a blank line, keeping every existing byte and the mode', async () => {
    const before = Buffer.concat([Buffer.from(`${EXISTING}\n`), Buffer.from([0xff, 0xfe, 0x0a])]); // even invalid UTF-8 survives
    fs.writeFileSync(config, before, { mode: 0o640 });
    fs.chmodSync(config, 0o640);
    assert.deepEqual(await add('web1', { hostName: '203.0.113.5', user: 'root' }), { added: true });
    const after = fs.readFileSync(config);
    assert.deepEqual(after.subarray(0, before.length), before);
    assert.equal(
      after.subarray(before.length).toString(),
      `\nHost web1\n  HostName 203.0.113.5\n  User root\n  IdentityFile ${path.join(dir, 'mykey')}\n  IdentitiesOnly yes\n`,
    );
    assert.equal(mode(config), 0o640);
    assert.deepEqual(fs.readdirSync(dir), ['config']);
  });

  it('adds a final newline first when the file lacks one, and no extra blank line after one', async () => {
    fs.writeFileSync(config, 'Host a\n  User x');
    await add('b');
    assert.match(fs.readFileSync(config, 'utf8'), /^Host a\n {2}User x\n\nHost b\n/);
    fs.writeFileSync(config, 'Host a\n\n');
    await add('c');
    assert.match(fs.readFileSync(config, 'utf8'), /^Host a\n\nHost c\n/);
  });

  it('keeps CRLF line endings', async () => {
    fs.writeFileSync(config, 'Host a\r\n  User x\r\n');
    await add('b', { user: 'me' });
    assert.equal(fs.readFileSync(config, 'utf8'), `Host a\r\n  User x\r\n\r\nHost b\r\n  User me\r\n  IdentityFile ${path.join(dir, 'mykey')}\r\n  IdentitiesOnly yes\r\n`);
  });

  for (const alias of ['jump', 'gateway', 'bastion', 'db2']) {
    it(`finds the existing alias "${alias}" and leaves the file untouched`, async () => {
      fs.writeFileSync(config, EXISTING, { mode: 0o600 });
      const stat = fs.statSync(config);
      assert.deepEqual(await add(alias), { added: false, reason: 'exists' });
      assert.equal(fs.readFileSync(config, 'utf8'), EXISTING);
      assert.equal(fs.statSync(config).ino, stat.ino);
    });
  }

  it('does not count patterns, other cases, comments or negations as the alias', async () => {
    fs.writeFileSync(config, `${EXISTING}\nHost !neg\n`);
    for (const alias of ['work-1', 'Jump', 'commented-out', 'all', 'neg', 'alice']) {
      assert.deepEqual(await add(alias), { added: true }, alias);
    }
    assert.deepEqual(await add('work-1'), { added: false, reason: 'exists' });
  });

  it('creates a missing file 0600 in a new 0700 folder', async () => {
    config = path.join(dir, 'new', '.ssh', 'config');
    const previous = process.umask(0);
    try {
      await add('a', { hostName: 'h' });
    } finally {
      process.umask(previous);
    }
    assert.equal(mode(config), 0o600);
    assert.equal(mode(path.dirname(config)), 0o700);
    assert.equal(fs.readFileSync(config, 'utf8'), `Host a\n  HostName h\n  IdentityFile ${path.join(dir, 'mykey')}\n  IdentitiesOnly yes\n`);
  });

  it('updates a symlinked config at its real location, keeping the link', async () => {
    const real = path.join(makeTempDir(dirs), 'real-config');
    fs.writeFileSync(real, 'Host a\n');
    fs.symlinkSync(real, config);
    await add('b');
    assert.equal(fs.lstatSync(config).isSymbolicLink(), true);
    assert.match(fs.readFileSync(real, 'utf8'), /^Host a\n\nHost b\n/);
  });

  it('writes paths under home as ~/…, quotes spaces and escapes %', async () => {
    await add('a', { identityFile: path.join(os.homedir(), '.ssh', 'id') });
    await add('b', { identityFile: path.join(dir, 'my keys', '100%') });
    const text = fs.readFileSync(config, 'utf8');
    assert.match(text, /\n {2}IdentityFile ~\/\.ssh\/id\n/);
    assert.ok(text.includes(`\n  IdentityFile "${path.join(dir, 'my keys', '100%%')}"\n`), text);
  });

  it('rejects invalid aliases, host names, users and identity files without touching the file', async () => {
    fs.writeFileSync(config, 'Host a\n');
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => add(''), /^The host alias is empty\.$/],
      [() => add('my host'), /^The host alias can't contain spaces or line breaks\.$/],
      [() => add('a\nHost b'), /^The host alias can't contain spaces or line breaks\.$/],
      [() => add('a#b'), /^The host alias can't contain "#"/],
      [() => add('web*'), /"\*"/],
      [() => add('b', { hostName: 'h h' }), /^The host name can't contain spaces or line breaks\.$/],
      [() => add('b', { hostName: '' }), /^The host name is empty\.$/],
      [() => add('b', { user: 'me\r' }), /^The user name can't contain spaces or line breaks\.$/],
      [() => add('b', { identityFile: '/x/"y"' }), /^The identity file path is empty or contains quotes/],
    ];
    for (const [call, message] of cases) await assert.rejects(call, (err: Error) => message.test(err.message));
    assert.equal(fs.readFileSync(config, 'utf8'), 'Host a\n');
    assert.deepEqual(fs.readdirSync(dir), ['config']);
  });
});
