import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SshConfigFileError } from '../../../../../src/core/ssh/config/file';
import { addHostToSshConfig, HostEntry, writeHostEntry } from '../../../../../src/core/ssh/config/hostEntry';
import { entry, EXISTING, HOME } from '../../../helpers/sshConfigFixtures';
import { makeTempDir, removeTempDirs } from '../../../helpers/keysTestUtil';

describe('ssh/config/file: the file (writeHostEntry, addHostToSshConfig)', () => {
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
