import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  addHostToSshConfig,
  HOST_ENTRY_MARKER,
  HostEntry,
  planHostEntry,
  writeHostEntry,
} from '../../../../src/core/ssh/config/hostEntry';
import { checkWithSsh } from '../../../../src/core/ssh/config/check';
import { configWord, splitConfigArgs, suggestAlias } from '../../../../src/core/ssh/config/words';
import { identityFileWord, resolveIdentityArgument } from '../../../../src/core/ssh/config/paths';
import { loginUsersFor, retargetIdentityFile } from '../../../../src/core/ssh/config/retarget';
import { SshConfigFileError } from '../../../../src/core/ssh/config/file';
import { makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { sshG } from '../../helpers/sshG';

const HOME = '/home/ann';
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

/** The block planHostEntry writes, with `indent` and `eol`. */
function block(lines: string[], indent = '  ', eol = '\n'): string {
  const [host, ...options] = lines;
  return [host, `${indent}${HOST_ENTRY_MARKER}`, ...options.map((l) => `${indent}${l}`)].join(eol) + eol;
}

const entry = (over: Partial<HostEntry> = {}): HostEntry => ({
  alias: 'web1',
  identityFile: `${HOME}/.ssh/web1`,
  ...over,
});
const plan = (text: string | Buffer, over: Partial<HostEntry> = {}) =>
  planHostEntry(text, entry(over), { home: HOME, platform: 'linux' });
const planText = (text: string | Buffer, over: Partial<HostEntry> = {}) => {
  const p = plan(text, over);
  assert.ok('text' in p, JSON.stringify(p));
  return p.text.toString('utf8');
};

describe('keys/sshConfig planHostEntry (one Host entry, where it takes effect)', () => {
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

describe('keys/sshConfig word rules and paths (one implementation)', () => {
  it('quotes and escapes words as ssh reads them back', () => {
    assert.equal(configWord('/a b/100%', { tokens: true }), '"/a b/100%%"');
    assert.equal(configWord("it's", { tokens: false }), `"it's"`);
    assert.equal(configWord('plain', { tokens: false }), 'plain');
    assert.throws(() => configWord('a"b', { tokens: false }));
    assert.deepEqual(splitConfigArgs(`"a b" 'c d' e\\ f g # comment`), ['a b', 'c d', 'e f', 'g']);
  });

  it('writes identity files as ~/… under the home ssh uses, / on Windows', () => {
    assert.equal(identityFileWord('/home/ann/.ssh/k', HOME, 'linux'), '~/.ssh/k');
    assert.equal(identityFileWord('/home/annex/k', HOME, 'linux'), '/home/annex/k');
    assert.equal(identityFileWord('C:\\Users\\ann\\.ssh\\k', 'C:\\Users\\ann', 'win32'), '~/.ssh/k');
    assert.equal(identityFileWord('D:\\keys\\my k', 'C:\\Users\\ann', 'win32'), '"D:/keys/my k"');
    assert.throws(() => identityFileWord('/a\\b', HOME, 'linux'), /"\\"/);
  });

  it('resolves every spelling of a path to the same file', () => {
    for (const spelling of ['~/.ssh/k', '/home/ann/.ssh/k', '%d/.ssh/k', '${HOME}/.ssh/k', '/home/ann/.ssh/./k']) {
      assert.equal(resolveIdentityArgument(spelling, HOME, 'linux'), '/home/ann/.ssh/k', spelling);
    }
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

describe('keys/sshConfig loginUsersFor (Rotate reuses the user Connect wrote)', () => {
  const config = [
    'Host *',
    '  User nobody-global',
    'Host web-1',
    `  ${HOST_ENTRY_MARKER}`,
    '  HostName 203.0.113.10',
    '  User ubuntu',
    '  IdentityFile ~/.ssh/web',
    '  IdentitiesOnly yes',
    'Host web-1-other-key',
    '  HostName 203.0.113.10',
    '  User admin',
    '  IdentityFile ~/.ssh/laptop',
    'Host DB',
    '  hostname=DB.EXAMPLE.ORG',
    '  user "ops-team"',
    '  identityfile %d/.ssh/web',
    'Host no-user',
    '  HostName 203.0.113.30',
    '  IdentityFile ~/.ssh/web',
    'Host evil',
    '  HostName 203.0.113.50',
    '  User -oProxyCommand=touch_pwned',
    '  IdentityFile ~/.ssh/web',
    'Host tokens',
    '  HostName 203.0.113.60',
    '  User %r',
    '  IdentityFile ~/.ssh/web',
    'Match host 203.0.113.40',
    '  User matched',
    '  IdentityFile ~/.ssh/web',
    '',
  ].join('\n');

  it('gives the User of each Host block that uses the key, by HostName; never an option or a %token', () => {
    const users = loginUsersFor(config, '/home/ann/.ssh/web', '/home/ann');
    assert.deepEqual(
      [...users],
      [
        ['203.0.113.10', 'ubuntu'],
        ['db.example.org', 'ops-team'],
      ],
    );
  });

  it('knows nothing for another key, or in an empty file', () => {
    assert.deepEqual([...loginUsersFor(config, '/home/ann/.ssh/other', '/home/ann')], []);
    assert.deepEqual([...loginUsersFor('', '/home/ann/.ssh/web', '/home/ann')], []);
  });
});

describe('keys/sshConfig retargetIdentityFile (rotation)', () => {
  const config = [
    'IdentityFile ~/.ssh/old',
    'Host a b',
    '  IdentityFile "/home/ann/.ssh/old"   # the old one',
    '  User x',
    'Host c',
    '\tidentityfile=%d/.ssh/old.pub\r',
    '  IdentityFile ~/.ssh/older',
    'Match host d',
    '  IdentityFile /home/ann/.ssh/old-not',
    '',
  ].join('\n');

  it('points every spelling of the old key at the new one, touching only those arguments', () => {
    const { text, changed } = retargetIdentityFile(
      config,
      { oldPath: '/home/ann/.ssh/old', newPath: '/home/ann/.ssh/new key' },
      { home: HOME, platform: 'linux' },
    );
    assert.equal(
      text.toString(),
      config
        .replace('IdentityFile ~/.ssh/old\n', 'IdentityFile "~/.ssh/new key"\n')
        .replace('"/home/ann/.ssh/old"   #', '"~/.ssh/new key"   #')
        .replace('=%d/.ssh/old.pub\r', '="~/.ssh/new key.pub"\r'),
    );
    assert.deepEqual(changed, [
      { host: '', lines: [1] },
      { host: 'a b', lines: [3] },
      { host: 'c', lines: [6] },
    ]);
  });

  it('changes nothing when no entry uses the old key', () => {
    const { text, changed } = retargetIdentityFile(
      config,
      { oldPath: '/home/ann/.ssh/gone', newPath: '/x' },
      { home: HOME, platform: 'linux' },
    );
    assert.equal(text.toString(), config);
    assert.deepEqual(changed, []);
  });
});

describe('keys/sshConfig the file (writeHostEntry, addHostToSshConfig)', () => {
  const dirs: string[] = [];
  let dir: string;
  let config: string;
  beforeEach(() => {
    dir = makeTempDir(dirs);
    config = path.join(dir, 'config');
  });
  after(() => removeTempDirs(dirs));
  const mode = (p: string) => fs.statSync(p).mode & 0o777;
  const write = (over: Partial<HostEntry> = {}) =>
    writeHostEntry({ configPath: config, entry: entry({ identityFile: path.join(dir, 'k'), ...over }), home: HOME });

  it('keeps the mode, replaces the file atomically and leaves no temp file', async () => {
    fs.writeFileSync(config, 'Host *\n  User x\n');
    fs.chmodSync(config, 0o640);
    const inode = fs.statSync(config).ino;
    assert.deepEqual(await write(), { outcome: 'added', line: 1, path: config });
    assert.equal(mode(config), 0o640);
    assert.notEqual(fs.statSync(config).ino, inode, 'a new file renamed into place, not written in place');
    assert.deepEqual(fs.readdirSync(dir), ['config']);
  });

  it('writes through a symlinked config to its target; the link stays a link', async () => {
    const realDir = makeTempDir(dirs);
    const real = path.join(realDir, 'real-config');
    fs.writeFileSync(real, 'Host *\n  User x\n', { mode: 0o600 });
    fs.symlinkSync(real, config);
    const result = await write();
    assert.equal(result.path, real);
    assert.equal(fs.lstatSync(config).isSymbolicLink(), true);
    assert.equal(fs.readlinkSync(config), real);
    assert.match(fs.readFileSync(real, 'utf8'), /^Host web1\n/);
    assert.deepEqual(fs.readdirSync(realDir), ['real-config']);
  });

  it('creates a missing file 0600 in a new 0700 folder', async () => {
    config = path.join(dir, 'new', '.ssh', 'config');
    const previous = process.umask(0);
    try {
      await write({ hostName: 'h' });
    } finally {
      process.umask(previous);
    }
    assert.equal(mode(config), 0o600);
    assert.equal(mode(path.dirname(config)), 0o700);
  });

  it("changes nothing for the user's own entry, or for an unchanged one of ours", async () => {
    fs.writeFileSync(config, EXISTING);
    const inode = fs.statSync(config).ino;
    assert.deepEqual(
      await addHostToSshConfig({ configPath: config, alias: 'jump', identityFile: path.join(dir, 'k') }),
      {
        added: false,
        reason: 'exists',
        result: { outcome: 'exists', line: 10, path: config },
      },
    );
    assert.equal((await write()).outcome, 'added');
    const after = fs.statSync(config).ino;
    assert.equal((await write()).outcome, 'unchanged');
    assert.equal(fs.statSync(config).ino, after);
    assert.notEqual(after, inode);
  });

  it('rejects invalid entries without touching the file', async () => {
    fs.writeFileSync(config, 'Host a\n');
    for (const bad of [
      { alias: '' },
      { alias: 'my host' },
      { alias: 'a\nHost b' },
      { alias: 'a#b' },
      { hostName: 'h h' },
      { user: 'me\r' },
    ]) {
      await assert.rejects(write(bad), /./, JSON.stringify(bad));
    }
    assert.equal(fs.readFileSync(config, 'utf8'), 'Host a\n');
    assert.deepEqual(fs.readdirSync(dir), ['config']);
  });

  describe('a config path that cannot be written: a clear error naming the path at fault, nothing written', () => {
    // Each case fails for root too (no permission bits involved).
    const rejectsWith = (problem: string, culprit: () => string, why: RegExp) => (err: unknown) => {
      assert.ok(err instanceof SshConfigFileError, `an SshConfigFileError, not ${String(err)}`);
      assert.equal(err.problem, problem);
      assert.equal(err.culprit, culprit());
      assert.ok(err.message.includes(culprit()), `names ${culprit()}: ${err.message}`);
      assert.match(err.message, why);
      return true;
    };

    it('a folder at the path', async () => {
      fs.mkdirSync(config);
      fs.writeFileSync(path.join(config, 'inside'), 'keep');
      await assert.rejects(
        write(),
        rejectsWith('is-directory', () => config, /is a folder, not a file/),
      );
      assert.deepEqual(fs.readdirSync(config), ['inside']);
      assert.deepEqual(fs.readdirSync(dir), ['config']);
    });

    it('a regular file where its folder should be (and where a folder above it should be)', async () => {
      const blocker = path.join(dir, 'remote-ssh');
      fs.writeFileSync(blocker, 'original bytes\n', { mode: 0o640 });
      for (const inner of [path.join(blocker, 'config'), path.join(blocker, 'sub', 'config')]) {
        config = inner;
        await assert.rejects(
          write(),
          rejectsWith('parent-not-directory', () => blocker, /remote-ssh is a file, not a folder/),
        );
      }
      assert.equal(fs.readFileSync(blocker, 'utf8'), 'original bytes\n');
      assert.equal(mode(blocker), 0o640);
      assert.deepEqual(fs.readdirSync(dir), ['remote-ssh']);
    });

    it('a symlink to a path under a regular file', async () => {
      const blocker = path.join(dir, 'plain');
      fs.writeFileSync(blocker, 'x');
      fs.symlinkSync(path.join(blocker, 'config'), config);
      await assert.rejects(
        write(),
        rejectsWith('parent-not-directory', () => blocker, /is a file, not a folder/),
      );
      assert.equal(fs.readFileSync(blocker, 'utf8'), 'x');
      assert.deepEqual(fs.readdirSync(dir).sort(), ['config', 'plain']);
    });

    it('a named pipe at the path is never read (it would block) nor replaced', async function () {
      if (process.platform === 'win32') this.skip();
      execFileSync('mkfifo', [config]);
      await assert.rejects(
        write(),
        rejectsWith('not-regular-file', () => config, /not a regular file/),
      );
      assert.equal(fs.lstatSync(config).isFIFO(), true);
      assert.deepEqual(fs.readdirSync(dir), ['config']);
    });

    it('no permission to write in its folder (only as a user that permissions bind: not root)', async function () {
      if (process.platform === 'win32' || process.getuid?.() === 0) this.skip();
      fs.writeFileSync(config, 'Host *\n  User x\n', { mode: 0o600 });
      fs.chmodSync(dir, 0o500);
      try {
        await assert.rejects(
          write(),
          rejectsWith('permission', () => config, /No permission to write/),
        );
      } finally {
        fs.chmodSync(dir, 0o700);
      }
      assert.equal(fs.readFileSync(config, 'utf8'), 'Host *\n  User x\n');
      assert.deepEqual(fs.readdirSync(dir), ['config']);
    });
  });
});

describe('keys/sshConfig checkWithSsh (the real ssh -G on temp files)', () => {
  const dirs: string[] = [];
  let dir: string;
  let config: string;
  beforeEach(() => {
    dir = makeTempDir(dirs);
    config = path.join(dir, 'config');
  });
  after(() => removeTempDirs(dirs));
  const ours = () => entry({ hostName: '203.0.113.9', user: 'ubuntu', port: 2022, identityFile: path.join(dir, 'k') });

  it('says the entry takes effect when it does (and ssh -G agrees)', async () => {
    fs.writeFileSync(config, 'Host *\n  User nobody\n  Port 22\n');
    await writeHostEntry({ configPath: config, entry: ours() });
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: ours() }), { status: 'effective' });
    assert.equal(sshG(config, 'web1').get('user')?.[0], 'ubuntu');
  });

  it('names the values another entry still wins (global lines before any Host)', async () => {
    fs.writeFileSync(config, `User bob\nIdentityFile ${path.join(dir, 'other')}\nIdentitiesOnly no\nPort 2200\n`);
    await writeHostEntry({ configPath: config, entry: ours() });
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: ours() }), {
      status: 'overridden',
      differences: [
        { option: 'User', expected: 'ubuntu', actual: 'bob' },
        { option: 'Port', expected: '2022', actual: '2200' },
        { option: 'IdentityFile', expected: path.join(dir, 'k'), actual: path.join(dir, 'other') },
        { option: 'IdentitiesOnly', expected: 'yes', actual: 'no' },
      ],
    });
  });

  it('reports a value an Included file still sets (the entry goes after leading Includes)', async () => {
    const included = path.join(dir, 'included.conf');
    fs.writeFileSync(included, 'Host *\n  User from-include\n');
    fs.writeFileSync(config, `Include ${included}\n\nHost *\n  User nobody\n`);
    await writeHostEntry({ configPath: config, entry: ours() });
    assert.match(fs.readFileSync(config, 'utf8'), new RegExp(`^Include ${included}\\n\\nHost web1\\n`));
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: ours() }), {
      status: 'overridden',
      differences: [{ option: 'User', expected: 'ubuntu', actual: 'from-include' }],
    });
  });

  it('compares host names as ssh does (it lower-cases them)', async () => {
    for (const e of [
      entry({ alias: 'MyBox', identityFile: path.join(dir, 'k') }),
      entry({ hostName: 'Example.COM', identityFile: path.join(dir, 'k') }),
    ]) {
      await writeHostEntry({ configPath: config, entry: e });
      assert.deepEqual(await checkWithSsh({ configPath: config, entry: e }), { status: 'effective' }, e.alias);
    }
  });

  it('compares a ~/ identity file with the home ssh uses', async () => {
    const home = makeTempDir(dirs);
    const e = entry({ identityFile: path.join(home, '.ssh', 'k') });
    await writeHostEntry({ configPath: config, entry: e, home });
    assert.match(fs.readFileSync(config, 'utf8'), /IdentityFile ~\/\.ssh\/k\n/);
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: e, home }), { status: 'effective' });
  });

  it('is not-checked, never an exception, without ssh or with a broken config', async () => {
    fs.writeFileSync(config, 'Host web1\n  NoSuchOption x\n');
    assert.deepEqual(await checkWithSsh({ configPath: config, entry: ours(), sshPath: path.join(dir, 'no-ssh') }), {
      status: 'not-checked',
      reason: 'no-ssh',
    });
    const broken = await checkWithSsh({ configPath: config, entry: ours() });
    assert.equal(broken.status, 'not-checked');
    assert.ok(
      broken.status === 'not-checked' &&
        broken.reason === 'failed' &&
        /NoSuchOption|Bad configuration/i.test(broken.detail ?? ''),
      JSON.stringify(broken),
    );
  });

  it('never reads the account config: only the file given (-F)', async () => {
    const missing = path.join(dir, 'missing-config');
    const check = await checkWithSsh({ configPath: missing, entry: ours() });
    assert.equal(check.status, 'not-checked');
  });
});
