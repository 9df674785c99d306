import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  hostEntries,
  ownedEntriesUsing,
  removeOwnedEntries,
  removeOwnedEntriesFromFile,
  serverSshCommand,
} from '../../../../src/core/ssh/hostEntries';
import { HOST_ENTRY_MARKER, writeHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import { SshConfigFileError } from '../../../../src/core/ssh/config/file';
import { makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { sshG } from '../../helpers/sshG';

const HOME = '/home/ann';
const USERS_OWN = ['# my hosts', 'Host db', '  HostName 10.0.0.5', '  IdentityFile ~/.ssh/web', ''].join('\n');

describe('Host entries written by this extension (Delete Key Pair…, Copy ssh Command)', () => {
  const cleanup: string[] = [];
  after(() => removeTempDirs(cleanup));

  /** A config with the user's own entry using the key, then two written by writeHostEntry. */
  async function config(dir: string, crlf = false): Promise<string> {
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, crlf ? USERS_OWN.replace(/\n/g, '\r\n') : USERS_OWN, { mode: 0o640 });
    await writeHostEntry({
      configPath: file,
      entry: { alias: 'web1', hostName: '203.0.113.7', user: 'deploy', identityFile: `${dir}/web` },
      home: dir,
    });
    await writeHostEntry({
      configPath: file,
      entry: { alias: 'other', hostName: '203.0.113.9', identityFile: `${dir}/other` },
      home: dir,
    });
    await writeHostEntry({
      configPath: file,
      entry: { alias: 'web2', hostName: '203.0.113.8', identityFile: `${dir}/web` },
      home: dir,
    });
    return file;
  }

  it('finds only the marked entries that use the key (any spelling), never the user’s own', async () => {
    const dir = makeTempDir(cleanup);
    const file = await config(dir);
    const text = fs.readFileSync(file);
    const found = ownedEntriesUsing(text, `${dir}/web`, dir);
    assert.deepEqual(
      found.map((e) => e.alias),
      ['web1', 'web2'],
    );
    // The user's `db` uses the same key (written as ~/.ssh/web under HOME), but is not ours.
    assert.deepEqual(
      ownedEntriesUsing(text, `${HOME}/.ssh/web`, HOME).map((e) => e.alias),
      [],
    );
    assert.equal(hostEntries(text, HOME).find((e) => e.alias === 'db')?.ours, false);
  });

  it('removes those entries; ssh -G then resolves everything else as before', async () => {
    const dir = makeTempDir(cleanup);
    const file = await config(dir);
    const before = fs.readFileSync(file, 'utf8');
    const dbBefore = sshG(file, 'db');
    const otherBefore = sshG(file, 'other');
    const removed = await removeOwnedEntriesFromFile(file, ['web1', 'web2', 'db']);
    assert.deepEqual(removed, ['web1', 'web2']);
    const after = fs.readFileSync(file, 'utf8');
    assert.ok(!after.includes('web1') && !after.includes('203.0.113.8'), after);
    assert.ok(after.startsWith(USERS_OWN), 'the user’s own lines stay byte-identical');
    assert.equal(after.split(HOST_ENTRY_MARKER).length, 2, 'one marked entry (other) left');
    assert.deepEqual(sshG(file, 'db'), dbBefore);
    assert.deepEqual(sshG(file, 'other'), otherBefore);
    assert.deepEqual(sshG(file, 'web1').get('hostname'), ['web1'], 'web1 no longer resolves to its address');
    assert.equal(fs.statSync(file).mode & 0o777, 0o640, 'mode kept');
    assert.notEqual(after, before);
    assert.ok(!/\n\n\n/.test(after), `no run of blank lines left behind:\n${after}`);
  });

  it('keeps CRLF line endings and bytes that are not UTF-8', () => {
    const text = Buffer.concat([
      Buffer.from('Host caf\xe9\r\n  User x\r\n\r\nHost web1\r\n  ', 'latin1'),
      Buffer.from(`${HOST_ENTRY_MARKER}\r\n  IdentityFile /k\r\n\r\nHost z\r\n  Port 2\r\n`),
    ]);
    const out = removeOwnedEntries(text, ['web1']);
    assert.equal(out.toString('latin1'), 'Host caf\xe9\r\n  User x\r\n\r\nHost z\r\n  Port 2\r\n');
  });

  it('a file that is not there: nothing removed; a folder at the path: an SshConfigFileError', async () => {
    const dir = makeTempDir(cleanup);
    assert.deepEqual(await removeOwnedEntriesFromFile(path.join(dir, 'none'), ['web1']), []);
    assert.ok(!fs.existsSync(path.join(dir, 'none')));
    await assert.rejects(removeOwnedEntriesFromFile(dir, ['web1']), SshConfigFileError);
  });

  it('Copy ssh Command: the alias of an entry for the address and key, else ssh -i with the entry’s user', async () => {
    const dir = makeTempDir(cleanup);
    const file = await config(dir);
    const text = fs.readFileSync(file);
    const common = { config: text, privatePath: `${dir}/web`, home: dir, platform: 'linux' as const };
    assert.equal(serverSshCommand({ ...common, addresses: ['10.9.9.9', '203.0.113.7'] }), 'ssh web1');
    // Another key: no alias, but the user the config logs in to that address with.
    assert.equal(
      serverSshCommand({ ...common, privatePath: `${dir}/new`, addresses: ['203.0.113.7'] }),
      'ssh -i ~/new deploy@203.0.113.7',
    );
    assert.equal(
      serverSshCommand({ ...common, config: undefined, addresses: ['2001:db8::5'] }),
      'ssh -i ~/web 2001:db8::5',
    );
    assert.equal(serverSshCommand({ ...common, addresses: [] }), undefined);
  });
});
