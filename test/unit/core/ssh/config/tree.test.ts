import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  blocksInReadOrder,
  chooseSshConfigTarget,
  readConfigTree,
  sshConfigArgs,
} from '../../../../../src/core/ssh/config/tree';
import { makeTempDir, removeTempDirs } from '../../../helpers/keysTestUtil';
import { sshG } from '../../../helpers/sshG';

const cleanup: string[] = [];
after(() => removeTempDirs(cleanup));

describe('ssh/config/tree readConfigTree', () => {
  it('follows Include as ssh does: globs in order, relative to ~/.ssh, at the Include line', async () => {
    const home = makeTempDir(cleanup);
    const ssh = path.join(home, '.ssh');
    fs.mkdirSync(path.join(ssh, 'config.d'), { recursive: true });
    fs.writeFileSync(path.join(ssh, 'config.d', 'b.conf'), 'Host web\n  HostName prod-web.internal\n');
    fs.writeFileSync(path.join(ssh, 'config.d', 'a.conf'), 'Host a\n  HostName a.internal\n');
    fs.writeFileSync(path.join(ssh, 'config.d', '.hidden'), 'Host hidden\n');
    fs.writeFileSync(path.join(ssh, 'extra'), 'Host extra\n');
    // A symlinked file is read at its target; including the main file again is a loop (ssh refuses it).
    fs.writeFileSync(path.join(home, 'real-linked'), 'Host linked\n  Include config\n');
    fs.symlinkSync(path.join(home, 'real-linked'), path.join(ssh, 'linked'));
    const main = path.join(ssh, 'config');
    fs.writeFileSync(
      main,
      [
        'Include config.d/*',
        'Include ~/.ssh/missing-*',
        'Host web',
        '  HostName cloud-web',
        'Match host bastion',
        `  Include extra "${path.join(ssh, 'linked')}"`,
      ].join('\r\n'),
    );
    const tree = await readConfigTree(main, { home });
    assert.deepEqual(
      tree.sources.map((s) => [path.relative(home, s.path), s.includedFrom?.line, s.includedFrom?.conditional]),
      [
        ['.ssh/config', undefined, undefined],
        ['.ssh/config.d/a.conf', 1, false],
        ['.ssh/config.d/b.conf', 1, false],
        ['.ssh/extra', 6, true],
        ['real-linked', 6, true],
      ],
    );
    assert.deepEqual(
      tree.problems.map((p) => [path.relative(home, p.path), /^Include loop/.test(p.message)]),
      [['.ssh/config', true]],
    );
  });

  it('agrees with ssh -G on which entry wins for an alias taken in an included file', async () => {
    const dir = makeTempDir(cleanup);
    const included = path.join(dir, 'inc', 'web.conf');
    fs.mkdirSync(path.dirname(included));
    fs.writeFileSync(included, 'Host web\n  HostName prod-web.internal\n  User deploy\n');
    const main = path.join(dir, 'config');
    fs.writeFileSync(main, `Include ${path.join(dir, 'inc', '*.conf')}\nHost web\n  HostName 203.0.113.10\n`);
    const tree = await readConfigTree(main, { home: dir });
    const first = blocksInReadOrder(tree).find(({ block }) => block.kind === 'host' && block.patterns.includes('web'));
    const hostName = first?.block.options.find((o) => o.keyword === 'hostname')?.args[0];
    assert.equal(first?.source.path, fs.realpathSync(included));
    assert.equal(hostName, sshG(main, 'web').get('hostname')?.[0]);
  });

  it('lists a file it cannot read and gives an empty tree for a missing main file', async () => {
    const dir = makeTempDir(cleanup);
    assert.deepEqual((await readConfigTree(path.join(dir, 'none'), { home: dir })).sources, []);
    fs.mkdirSync(path.join(dir, '.ssh'));
    const fifo = path.join(dir, '.ssh', 'odd');
    fs.mkdirSync(fifo);
    const main = path.join(dir, '.ssh', 'config');
    fs.writeFileSync(main, 'Include odd\n');
    const tree = await readConfigTree(main, { home: dir });
    assert.equal(tree.sources.length, 1); // a folder matched: nothing read from it, as ssh
  });
});

describe('ssh/config/tree chooseSshConfigTarget (only the user chooses the SSH config)', () => {
  const home = '/home/ann';
  const base = { workspaceFolders: ['/work/repo'], remote: false, home };

  it('uses ~/.ssh/config when nothing is set, with no -F', () => {
    const target = chooseSshConfigTarget(base);
    assert.deepEqual(target, { path: '/home/ann/.ssh/config', isDefault: true });
    assert.deepEqual(sshConfigArgs(target), []);
  });

  it("never uses a workspace's value", () => {
    const target = chooseSshConfigTarget({ ...base, workspaceValue: 'ssh_config' });
    assert.equal(target.path, '/home/ann/.ssh/config');
    assert.deepEqual(target.ignored, { value: 'ssh_config', reason: 'workspace-value' });
  });

  it("uses the user's own value, with -F, and ~ expanded", () => {
    const target = chooseSshConfigTarget({ ...base, userValue: '~/other/config' });
    assert.deepEqual(target, { path: '/home/ann/other/config', isDefault: false });
    assert.deepEqual(sshConfigArgs(target), ['-F', '/home/ann/other/config']);
    assert.equal(chooseSshConfigTarget({ ...base, userValue: '~/.ssh/config' }).isDefault, true);
  });

  it('never uses a file inside an open workspace folder, even from user settings', () => {
    const target = chooseSshConfigTarget({ ...base, userValue: '/work/repo/.ssh/config' });
    assert.equal(target.path, '/home/ann/.ssh/config');
    assert.equal(target.ignored?.reason, 'inside-workspace');
  });

  it("ignores the setting in a remote window (it names the local machine's file)", () => {
    const target = chooseSshConfigTarget({ ...base, remote: true, userValue: '/Users/ann/.ssh/config' });
    assert.equal(target.path, '/home/ann/.ssh/config');
    assert.equal(target.ignored?.reason, 'remote-window');
  });
});
