import * as assert from 'node:assert/strict';
import { checkConfigWord, shellWord, sshCommand } from '../../../../src/core/ssh/sshCommand';
import { validateName } from '../../../../src/core/flows/validateName';

describe('manage: ssh command and config words', () => {
  const home = '/home/ann';

  it('is "ssh <alias>" without a HostName (the config entry supplies the rest)', () => {
    assert.equal(
      sshCommand({ alias: 'web', user: 'root', identityFile: '/home/ann/.ssh/web', home, platform: 'linux' }),
      'ssh web',
    );
  });

  it('is "ssh -i <file> <user>@<host>" with a HostName, the file as ~/… under home', () => {
    assert.equal(
      sshCommand({
        alias: 'web',
        hostName: '203.0.113.10',
        user: 'root',
        identityFile: '/home/ann/.ssh/web',
        home,
        platform: 'linux',
      }),
      'ssh -i ~/.ssh/web root@203.0.113.10',
    );
    assert.equal(
      sshCommand({
        alias: 'web',
        hostName: 'db.example.com',
        identityFile: '/home/ann/.ssh/web',
        home,
        platform: 'linux',
      }),
      'ssh -i ~/.ssh/web db.example.com',
      'no user: just the host',
    );
  });

  it('quotes paths for the shell, keeping ~/ outside the quotes', () => {
    assert.equal(
      sshCommand({
        alias: 'a',
        hostName: 'h',
        user: 'u',
        identityFile: "/home/ann/.ssh/my key's",
        home,
        platform: 'darwin',
      }),
      `ssh -i ~/'.ssh/my key'\\''s' u@h`,
    );
    assert.equal(
      sshCommand({ alias: 'a', hostName: 'h', user: 'u', identityFile: '/keys/$x', home, platform: 'linux' }),
      "ssh -i '/keys/$x' u@h",
    );
    assert.equal(
      sshCommand({
        alias: 'a',
        hostName: 'h',
        user: 'u',
        identityFile: 'C:\\Users\\Ann Lee\\.ssh\\web',
        home: 'C:\\Users\\Ann Lee',
        platform: 'win32',
      }),
      'ssh -i "C:\\Users\\Ann Lee\\.ssh\\web" u@h',
    );
    assert.equal(shellWord('C:\\Users\\ann\\.ssh\\web', 'win32'), 'C:\\Users\\ann\\.ssh\\web');
  });

  it('checks what addHostToSshConfig would refuse', () => {
    assert.equal(checkConfigWord('web-1', 'alias'), undefined);
    assert.match(checkConfigWord('', 'alias') ?? '', /Enter a host alias/);
    assert.match(checkConfigWord('web 1', 'alias') ?? '', /spaces/);
    assert.match(checkConfigWord('web*', 'alias') ?? '', /"\*"/);
    assert.equal(checkConfigWord('host*', 'host'), undefined, 'only an alias is a pattern');
    assert.match(checkConfigWord('ro"ot', 'user') ?? '', /quotes/);
  });

  it('name check for import: no file rule, no "Saves …" when nothing is saved', () => {
    const files = new Set(['web', 'web.pub']);
    assert.equal(validateName('web', { files, directoryShown: '~/.ssh' }).severity, 'error');
    const imported = validateName('web', { files: new Set() });
    assert.equal(imported.severity, 'info');
    assert.doesNotMatch(imported.message, /Saves/);
    assert.equal(
      validateName('web', { files: new Set(), taken: new Set(['web']) }).severity,
      'error',
      'taken names still refused',
    );
  });
});
