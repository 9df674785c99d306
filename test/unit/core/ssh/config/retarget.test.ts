import * as assert from 'node:assert/strict';
import { HOST_ENTRY_MARKER } from '../../../../../src/core/ssh/config/hostEntry';
import { loginUsersFor, retargetIdentityFile } from '../../../../../src/core/ssh/config/retarget';
import { HOME } from '../../../helpers/sshConfigFixtures';

describe('ssh/config/retarget loginUsersFor (Rotate reuses the user Connect wrote)', () => {
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

describe('ssh/config/retarget retargetIdentityFile (rotation)', () => {
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
