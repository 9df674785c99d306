import * as assert from 'node:assert/strict';
import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkTargets,
  displayPath,
  expandHome,
  KeyFileError,
  KeyFileErrorCode,
  removeKeyFiles,
  saveFileExclusive,
  saveKeyPair,
  toKeyFileError,
  windowsAclCommand,
} from '../../../../src/core/keys/keyFiles';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { makeTempDir, removeTempDirs, sshKeygen } from '../../helpers/keysTestUtil';
import { exactly, must } from '../../../support/must';

const mode = (p: string) => fsSync.statSync(p).mode & 0o777;
const list = (dir: string) => fsSync.readdirSync(dir).sort();
const errno = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

/** Runs `fn` with umask 000 (the worst case for permissions), restoring the umask afterwards. */
async function withUmask0<T>(fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(0);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

/** Asserts that `promise` rejects with a KeyFileError of `code` about `filePath`. */
async function rejectsWith(
  promise: Promise<unknown>,
  code: KeyFileErrorCode,
  filePath?: string,
): Promise<KeyFileError> {
  let caught: unknown;
  await promise.catch((err: unknown) => (caught = err));
  assert.ok(caught instanceof KeyFileError, `expected KeyFileError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (filePath !== undefined) assert.equal(caught.path, filePath);
  return caught;
}

/** Replaces fs.promises.link for the duration of `fn`. */
async function withLink(replacement: typeof fs.link, fn: () => Promise<void>): Promise<void> {
  const original = fs.link;
  fs.link = replacement;
  try {
    await fn();
  } finally {
    fs.link = original;
  }
}

describe('keys/keyFiles', () => {
  const dirs: string[] = [];
  let dir: string;
  const key = generateEd25519('test');
  beforeEach(() => (dir = makeTempDir(dirs)));
  after(() => removeTempDirs(dirs));

  describe('expandHome and displayPath', () => {
    it('expands "~" and "~/…" only', () => {
      assert.equal(expandHome('~', '/home/me'), '/home/me');
      assert.equal(expandHome('~/.ssh', '/home/me'), '/home/me/.ssh');
      assert.equal(expandHome('~\\.ssh', '/home/me'), '/home/me/.ssh');
      assert.equal(expandHome('~other/.ssh', '/home/me'), '~other/.ssh');
      assert.equal(expandHome('/etc/~/x', '/home/me'), '/etc/~/x');
      assert.equal(expandHome('.ssh', '/home/me'), '.ssh');
      assert.equal(expandHome('~/x'), path.join(os.homedir(), 'x'));
    });

    it('shows the home folder as "~"', () => {
      assert.equal(displayPath('/home/me/.ssh/k', '/home/me'), '~/.ssh/k');
      assert.equal(displayPath('/home/me', '/home/me'), '~');
      assert.equal(displayPath('/home/me/', '/home/me/'), '~');
      assert.equal(displayPath('/home/meow/k', '/home/me'), '/home/meow/k');
      assert.equal(displayPath('/srv/k', '/home/me'), '/srv/k');
    });
  });

  describe('toKeyFileError and KeyFileError', () => {
    const home = os.homedir();
    const cases: Array<[string, KeyFileErrorCode, string]> = [
      ['EEXIST', 'exists', '~/.ssh/mykey already exists; it was not overwritten.'],
      ['ENOTDIR', 'not-directory', '~/.ssh/mykey is not a folder.'],
      ['EACCES', 'permission', 'No permission to write ~/.ssh/mykey.'],
      ['EPERM', 'permission', 'No permission to write ~/.ssh/mykey.'],
      ['ENOSPC', 'no-space', 'Not enough disk space (or quota) to save ~/.ssh/mykey.'],
      ['EDQUOT', 'no-space', 'Not enough disk space (or quota) to save ~/.ssh/mykey.'],
      ['EROFS', 'read-only', "Can't save ~/.ssh/mykey: the file system is read-only."],
      ['ENAMETOOLONG', 'io', "Can't save ~/.ssh/mykey: the file name is too long."],
      ['EIO', 'io', "Couldn't save ~/.ssh/mykey: EIO: failed"],
    ];
    for (const [code, kind, message] of cases) {
      it(`maps ${code} to ${kind}`, () => {
        const cause = errno(code);
        const err = toKeyFileError(cause, path.join(home, '.ssh', 'mykey'));
        assert.deepEqual(
          [err.code, err.message, err.cause, err.path],
          [kind, message, cause, path.join(home, '.ssh', 'mykey')],
        );
        assert.ok(err instanceof Error);
      });
    }

    it('builds a message from code and path alone, and keeps a KeyFileError as is', () => {
      const err = new KeyFileError('exists', '/srv/k');
      assert.equal(err.message, '/srv/k already exists; it was not overwritten.');
      assert.equal(toKeyFileError(err, '/other'), err);
      assert.equal(new KeyFileError('io', '/srv/k', 'weird').message, "Couldn't save /srv/k.");
    });
  });

  describe('checkTargets', () => {
    it('returns both paths and nothing existing in an empty or missing folder', async () => {
      assert.deepEqual(await checkTargets(dir, 'k'), {
        privatePath: path.join(dir, 'k'),
        publicPath: path.join(dir, 'k.pub'),
        existing: [],
      });
      assert.deepEqual((await checkTargets(path.join(dir, 'missing', 'deeper'), 'k')).existing, []);
      assert.deepEqual(list(dir), [], 'the write probe is removed and nothing is created');
    });

    it('lists existing files, counting a dangling symlink', async () => {
      fsSync.writeFileSync(path.join(dir, 'a'), '');
      fsSync.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'a.pub'));
      assert.deepEqual((await checkTargets(dir, 'a')).existing, [path.join(dir, 'a'), path.join(dir, 'a.pub')]);
      fsSync.writeFileSync(path.join(dir, 'b.pub'), '');
      assert.deepEqual((await checkTargets(dir, 'b')).existing, [path.join(dir, 'b.pub')]);
    });

    it('throws not-directory when the folder is a file or inside one', async () => {
      const file = path.join(dir, 'file');
      fsSync.writeFileSync(file, '');
      await rejectsWith(checkTargets(file, 'k'), 'not-directory', file);
      await rejectsWith(checkTargets(path.join(file, 'sub'), 'k'), 'not-directory');
    });

    it("refuses OpenSSH's own files, a .pub private key and Windows device names, touching nothing (#10.1)", async () => {
      for (const base of ['config', 'authorized_keys', 'rc', 'Config', 'known_hosts.old', 'a.pub', 'nul', 'config.']) {
        await assert.rejects(checkTargets(dir, base), /OpenSSH's own file|\.pub|Windows/, base);
        await assert.rejects(
          saveKeyPair({ dir, fileBase: base, privateKey: 'PRIVATE', publicKey: 'ssh-ed25519 AAAA x' }),
          /OpenSSH's own file|\.pub|Windows/,
          base,
        );
      }
      assert.deepEqual(fsSync.readdirSync(dir), []);
    });

    it('refuses a file base that is not a plain file name', async () => {
      for (const bad of ['../k', 'a/b', '..', ''])
        await assert.rejects(checkTargets(dir, bad), /Not a plain file name/);
    });
  });

  describe('saveKeyPair', () => {
    it('writes 0600 and 0644 files even under umask 000, with ssh-keygen agreeing', async () => {
      const saved = await withUmask0(() =>
        saveKeyPair({ dir, fileBase: 'k', privateKey: key.privateKey, publicKey: key.publicKey }),
      );
      assert.deepEqual(saved, { privatePath: path.join(dir, 'k'), publicPath: path.join(dir, 'k.pub') });
      assert.equal(mode(saved.privatePath), 0o600);
      assert.equal(mode(saved.publicPath), 0o644);
      assert.equal(fsSync.readFileSync(saved.privatePath, 'utf8'), key.privateKey);
      assert.equal(fsSync.readFileSync(saved.publicPath, 'utf8'), `${key.publicKey}\n`);
      assert.deepEqual(list(dir), ['k', 'k.pub']);
      assert.equal(sshKeygen(['-y', '-f', saved.privatePath]).split(' ')[1], key.publicKey.split(' ')[1]);
    });

    it('ends the private key with a newline and the public key with exactly one', async () => {
      const saved = await saveKeyPair({
        dir,
        fileBase: 'k',
        privateKey: 'PRIVATE',
        publicKey: 'ssh-ed25519 AAAA c\r\n\n',
      });
      assert.equal(fsSync.readFileSync(saved.privatePath, 'utf8'), 'PRIVATE\n');
      assert.equal(fsSync.readFileSync(saved.publicPath, 'utf8'), 'ssh-ed25519 AAAA c\n');
    });

    it('creates a missing folder chain with mode 0700 under umask 000', async () => {
      const target = path.join(dir, 'a', 'b', '.ssh');
      await withUmask0(() =>
        saveKeyPair({ dir: target, fileBase: 'k', privateKey: key.privateKey, publicKey: key.publicKey }),
      );
      for (const d of [path.join(dir, 'a'), path.join(dir, 'a', 'b'), target]) assert.equal(mode(d), 0o700, d);
      assert.equal(mode(dir), 0o700); // mkdtemp's own mode, untouched
      assert.deepEqual(list(target), ['k', 'k.pub']);
    });

    it('leaves the modes of existing folders alone', async () => {
      fsSync.chmodSync(dir, 0o755);
      await saveKeyPair({ dir, fileBase: 'k', privateKey: key.privateKey, publicKey: key.publicKey });
      assert.equal(mode(dir), 0o755);
    });

    it('never overwrites an existing private key, and creates nothing', async () => {
      fsSync.writeFileSync(path.join(dir, 'k'), 'OLD');
      await rejectsWith(
        saveKeyPair({ dir, fileBase: 'k', privateKey: 'NEW', publicKey: 'ssh-ed25519 AAAA' }),
        'exists',
        path.join(dir, 'k'),
      );
      assert.deepEqual(list(dir), ['k']);
      assert.equal(fsSync.readFileSync(path.join(dir, 'k'), 'utf8'), 'OLD');
    });

    it('removes the private key it wrote when the public key exists (appeared after checkTargets)', async () => {
      assert.deepEqual((await checkTargets(dir, 'k')).existing, []);
      fsSync.writeFileSync(path.join(dir, 'k.pub'), 'OLD');
      const err = await rejectsWith(
        saveKeyPair({ dir, fileBase: 'k', privateKey: 'NEW', publicKey: 'x' }),
        'exists',
        path.join(dir, 'k.pub'),
      );
      assert.match(err.message, /k\.pub already exists; it was not overwritten\.$/);
      assert.deepEqual(list(dir), ['k.pub']);
      assert.equal(fsSync.readFileSync(path.join(dir, 'k.pub'), 'utf8'), 'OLD');
    });

    it('removes the private key when writing the public key fails otherwise', async () => {
      let calls = 0;
      const original = fs.link;
      await withLink(
        async (from, to) => (++calls === 2 ? Promise.reject(errno('ENOSPC')) : original(from, to)),
        () =>
          rejectsWith(
            saveKeyPair({ dir, fileBase: 'k', privateKey: 'P', publicKey: 'x' }),
            'no-space',
            path.join(dir, 'k.pub'),
          ).then(() => undefined),
      );
      assert.deepEqual(list(dir), []);
    });

    it('refuses a symlink at the private or public path and leaves its target untouched', async () => {
      const outside = makeTempDir(dirs);
      const victim = path.join(outside, 'victim');
      fsSync.writeFileSync(victim, 'VICTIM', { mode: 0o644 });
      fsSync.symlinkSync(victim, path.join(dir, 'k'));
      await rejectsWith(
        saveKeyPair({ dir, fileBase: 'k', privateKey: 'NEW', publicKey: 'x' }),
        'exists',
        path.join(dir, 'k'),
      );
      fsSync.symlinkSync(victim, path.join(dir, 'm.pub'));
      await rejectsWith(
        saveKeyPair({ dir, fileBase: 'm', privateKey: 'NEW', publicKey: 'x' }),
        'exists',
        path.join(dir, 'm.pub'),
      );
      assert.equal(fsSync.readFileSync(victim, 'utf8'), 'VICTIM');
      assert.equal(mode(victim), 0o644);
      assert.deepEqual(list(dir), ['k', 'm.pub']);
      assert.deepEqual(list(outside), ['victim']);
    });

    it('refuses a dangling symlink and creates nothing at its target', async () => {
      const outside = makeTempDir(dirs);
      fsSync.symlinkSync(path.join(outside, 'created'), path.join(dir, 'k'));
      await rejectsWith(
        saveKeyPair({ dir, fileBase: 'k', privateKey: 'NEW', publicKey: 'x' }),
        'exists',
        path.join(dir, 'k'),
      );
      assert.deepEqual(list(outside), []);
      assert.deepEqual(list(dir), ['k']);
    });

    it('follows a symlink to a folder', async () => {
      const real = makeTempDir(dirs);
      const link = path.join(dir, '.ssh');
      fsSync.symlinkSync(real, link);
      const saved = await saveKeyPair({ dir: link, fileBase: 'k', privateKey: 'P', publicKey: 'x' });
      assert.equal(saved.privatePath, path.join(link, 'k'));
      assert.deepEqual(list(real), ['k', 'k.pub']);
    });

    it('fails with not-directory when the folder is a file, a dangling symlink, or inside a file', async () => {
      const file = path.join(dir, 'file');
      fsSync.writeFileSync(file, 'F');
      await rejectsWith(
        saveKeyPair({ dir: file, fileBase: 'k', privateKey: 'P', publicKey: 'x' }),
        'not-directory',
        file,
      );
      await rejectsWith(
        saveKeyPair({ dir: path.join(file, 'sub'), fileBase: 'k', privateKey: 'P', publicKey: 'x' }),
        'not-directory',
      );
      const dangling = path.join(dir, 'dangling');
      fsSync.symlinkSync(path.join(dir, 'nowhere'), dangling);
      await rejectsWith(
        saveKeyPair({ dir: dangling, fileBase: 'k', privateKey: 'P', publicKey: 'x' }),
        'not-directory',
        dangling,
      );
      assert.deepEqual(list(dir), ['dangling', 'file']);
      assert.equal(fsSync.readFileSync(file, 'utf8'), 'F');
    });

    it('maps a folder it may not write to to permission (chmod 0500, or /sys when root ignores modes)', async () => {
      let target = path.join(dir, 'ro');
      fsSync.mkdirSync(target, 0o500);
      if (process.getuid?.() === 0) target = '/sys'; // root bypasses mode bits; sysfs refuses new files even to root
      await rejectsWith(checkTargets(target, 'k'), 'permission', target);
      await rejectsWith(
        saveKeyPair({ dir: target, fileBase: 'keys-unit-test', privateKey: 'P', publicKey: 'x' }),
        'permission',
        path.join(target, 'keys-unit-test'),
      );
      assert.equal(fsSync.existsSync(path.join(target, 'keys-unit-test')), false);
    });

    it('saves on file systems without hard links by exclusive create, with the same modes', async () => {
      await withLink(
        async () => Promise.reject(errno('EPERM')),
        async () => {
          const saved = await withUmask0(() => saveKeyPair({ dir, fileBase: 'k', privateKey: 'P', publicKey: 'x' }));
          assert.equal(mode(saved.privatePath), 0o600);
          assert.equal(mode(saved.publicPath), 0o644);
          assert.deepEqual(list(dir), ['k', 'k.pub']);
          await rejectsWith(
            saveKeyPair({ dir, fileBase: 'k', privateKey: 'NEW', publicKey: 'x' }),
            'exists',
            path.join(dir, 'k'),
          );
        },
      );
      assert.equal(fsSync.readFileSync(path.join(dir, 'k'), 'utf8'), 'P\n');
      assert.deepEqual(list(dir), ['k', 'k.pub']);
    });
  });

  describe('saveFileExclusive', () => {
    it('writes a new file with the given mode under umask 000', async () => {
      const file = path.join(dir, 'key.pem');
      await withUmask0(() => saveFileExclusive(file, 'SECRET', 0o600));
      assert.equal(mode(file), 0o600);
      assert.equal(fsSync.readFileSync(file, 'utf8'), 'SECRET');
      assert.deepEqual(list(dir), ['key.pem']);
    });

    it('does not overwrite without overwrite: true', async () => {
      const file = path.join(dir, 'f');
      fsSync.writeFileSync(file, 'OLD');
      await rejectsWith(saveFileExclusive(file, 'NEW', 0o600), 'exists', file);
      assert.equal(fsSync.readFileSync(file, 'utf8'), 'OLD');
      assert.deepEqual(list(dir), ['f']);
    });

    it('replaces a file with overwrite: true, with the new mode', async () => {
      const file = path.join(dir, 'f');
      fsSync.writeFileSync(file, 'OLD', { mode: 0o666 });
      await withUmask0(() => saveFileExclusive(file, Buffer.from('NEW'), 0o600, { overwrite: true }));
      assert.equal(fsSync.readFileSync(file, 'utf8'), 'NEW');
      assert.equal(mode(file), 0o600);
      assert.deepEqual(list(dir), ['f']);
    });

    it('replaces a symlink instead of writing through it with overwrite: true', async () => {
      const outside = makeTempDir(dirs);
      fsSync.writeFileSync(path.join(outside, 'victim'), 'VICTIM');
      const file = path.join(dir, 'f');
      fsSync.symlinkSync(path.join(outside, 'victim'), file);
      await saveFileExclusive(file, 'NEW', 0o600, { overwrite: true });
      assert.equal(fsSync.lstatSync(file).isFile(), true);
      assert.equal(fsSync.readFileSync(path.join(outside, 'victim'), 'utf8'), 'VICTIM');
    });

    it('leaves no temp file after a failure', async () => {
      fsSync.mkdirSync(path.join(dir, 'sub'));
      await rejectsWith(saveFileExclusive(path.join(dir, 'sub'), 'X', 0o600, { overwrite: true }), 'io');
      await rejectsWith(saveFileExclusive(path.join(dir, 'missing', 'f'), 'X', 0o600), 'io');
      assert.deepEqual(list(dir), ['sub']);
      assert.deepEqual(list(path.join(dir, 'sub')), []);
    });
  });

  describe('removeKeyFiles', () => {
    it('removes both files and tolerates missing ones', async () => {
      const saved = await saveKeyPair({ dir, fileBase: 'k', privateKey: 'P', publicKey: 'x' });
      await removeKeyFiles(saved);
      assert.deepEqual(list(dir), []);
      await removeKeyFiles(saved);
      await removeKeyFiles({ privatePath: path.join(dir, 'never') });
    });
  });

  describe('windowsAclCommand', () => {
    it('runs icacls by full path to remove inherited entries and grant only the user', () => {
      const { command, args } = windowsAclCommand('C:\\Users\\John Smith\\.ssh\\my key', 'CORP\\John Smith');
      assert.match(command, /\\System32\\icacls\.exe$/i);
      assert.deepEqual(args, [
        'C:\\Users\\John Smith\\.ssh\\my key',
        '/inheritance:r',
        '/grant:r',
        'CORP\\John Smith:F',
      ]);
    });

    it('passes the path as one argument whatever it holds (run without a shell: nothing to quote or expand)', () => {
      const paths = [
        'C:\\Users\\a b\\.ssh\\k',
        'C:\\Users\\x\\.ssh\\a&b|c',
        'C:\\Users\\x\\.ssh\\100%USERNAME%',
        'C:\\Users\\Zoë\\.ssh\\k"q',
        'C:\\u\\.ssh\\me@host.example',
      ];
      for (const p of paths) {
        const { args } = windowsAclCommand(p, 'DOMAIN\\user');
        assert.deepEqual(args, [p, '/inheritance:r', '/grant:r', 'DOMAIN\\user:F']);
      }
    });

    it('is an absolute path to System32 even without %SystemRoot%', () => {
      const saved = process.env.SystemRoot;
      delete process.env.SystemRoot;
      try {
        const { command } = windowsAclCommand('f', 'u');
        assert.equal(command, 'C:\\Windows\\System32\\icacls.exe');
        assert.ok(path.win32.isAbsolute(command));
      } finally {
        if (saved !== undefined) process.env.SystemRoot = saved;
      }
    });

    /** Runs `fn` as if on Windows (process.platform, USERDOMAIN) with `execFile` replaced. */
    async function asWindows<T>(execFile: (...a: unknown[]) => void, fn: () => Promise<T>): Promise<T> {
      const cp = require('node:child_process') as { execFile: unknown };
      const original = cp.execFile;
      const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
      const domain = process.env.USERDOMAIN;
      Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
      process.env.USERDOMAIN = 'CORP';
      cp.execFile = execFile;
      try {
        return await fn();
      } finally {
        cp.execFile = original;
        Object.defineProperty(process, 'platform', platform);
        if (domain === undefined) delete process.env.USERDOMAIN;
        else process.env.USERDOMAIN = domain;
      }
    }

    it('on Windows runs it for the private key only, before a byte of the key is written', async () => {
      const calls: Array<{ command: string; args: string[]; options: Record<string, unknown>; sizeThen: number }> = [];
      const saved = await asWindows(
        (command, args, options, callback) => {
          const a = args as string[];
          calls.push({
            command: command as string,
            args: a,
            options: options as Record<string, unknown>,
            sizeThen: fsSync.statSync(must(a[0], 'the file icacls is run on')).size,
          });
          (callback as (e: null, out: string, err: string) => void)(null, '', '');
        },
        () => saveKeyPair({ dir, fileBase: 'k', privateKey: key.privateKey, publicKey: key.publicKey }),
      );
      assert.equal(calls.length, 1, 'the public key keeps the default access');
      const [call] = exactly(calls, 1, 'icacls call');
      assert.match(call.command, /\\System32\\icacls\.exe$/);
      // The temp file, hard-linked to the key's name afterwards: the same file, the same ACL.
      const target = must(call.args[0], 'the file icacls is run on');
      assert.equal(path.dirname(target), dir);
      assert.match(path.basename(target), /^\.[0-9a-f]{16}\.tmp$/);
      assert.deepEqual(call.args.slice(1), ['/inheritance:r', '/grant:r', `CORP\\${os.userInfo().username}:F`]);
      assert.equal(call.sizeThen, 0, 'restricted while still empty');
      assert.equal(call.options.shell, undefined, 'no shell');
      assert.equal(call.options.windowsHide, true);
      assert.deepEqual(list(dir), ['k', 'k.pub']);
      assert.equal(
        fsSync.readFileSync(saved.privatePath, 'utf8'),
        key.privateKey.endsWith('\n') ? key.privateKey : `${key.privateKey}\n`,
      );
    });

    it('on Windows a failing icacls saves nothing: the key never sits there with inherited access', async () => {
      await rejectsWith(
        asWindows(
          (_c, _a, _o, callback) =>
            (callback as (e: Error) => void)(Object.assign(new Error('Access is denied.'), { code: 5 })),
          () => saveKeyPair({ dir, fileBase: 'k', privateKey: key.privateKey, publicKey: key.publicKey }),
        ),
        'io',
        path.join(dir, 'k'),
      );
      assert.deepEqual(list(dir), []);
    });

    it('uses %SystemRoot% when set', () => {
      const saved = process.env.SystemRoot;
      process.env.SystemRoot = 'D:\\Win';
      try {
        assert.equal(windowsAclCommand('f', 'u').command, 'D:\\Win\\System32\\icacls.exe');
      } finally {
        if (saved === undefined) delete process.env.SystemRoot;
        else process.env.SystemRoot = saved;
      }
    });
  });
});
