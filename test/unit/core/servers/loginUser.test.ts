// Guessing the login user from image hints, with the reason the UI shows.
import * as assert from 'node:assert/strict';
import { distroFromName, guessLoginUser } from '../../../../src/core/servers/loginUser';

describe('login user guess', () => {
  const byDistro: Array<[string, string]> = [
    ['ubuntu', 'ubuntu'],
    ['debian', 'debian'],
    ['centos', 'centos'],
    ['rhel', 'cloud-user'],
    ['rocky', 'rocky'],
    ['almalinux', 'almalinux'],
    ['alma', 'almalinux'],
    ['fedora', 'fedora'],
    ['opensuse', 'opensuse'],
    ['Ubuntu', 'ubuntu'],
    ['centos-stream', 'centos'],
    ['redhat', 'cloud-user'],
  ];
  for (const [distro, user] of byDistro) {
    it(`os_distro ${distro} → ${user}`, () => {
      const guess = guessLoginUser({ osDistro: distro, name: 'whatever' });
      assert.deepEqual(guess, { user, source: 'os_distro', reason: `from the image's os_distro: ${distro}` });
    });
  }

  const byName: Array<[string, string]> = [
    ['Ubuntu 22.04 LTS (Jammy Jellyfish)', 'ubuntu'],
    ['Debian 12 (Bookworm)', 'debian'],
    ['CentOS Stream 9', 'centos'],
    ['CentOS-7-x86_64-GenericCloud', 'centos'],
    ['Red Hat Enterprise Linux 9', 'cloud-user'],
    ['rhel-9.2-x86_64', 'cloud-user'],
    ['Rocky-9-GenericCloud', 'rocky'],
    ['AlmaLinux 9', 'almalinux'],
    ['Fedora-Cloud-Base-39', 'fedora'],
    ['openSUSE Leap 15.5', 'opensuse'],
  ];
  for (const [name, user] of byName) {
    it(`image name "${name}" → ${user}`, () => {
      const guess = guessLoginUser({ name });
      assert.equal(guess?.user, user);
      assert.equal(guess?.source, 'image-name');
      assert.equal(guess?.reason, `from the image name: ${name}`);
    });
  }

  it('os_admin_user wins over os_distro and the name', () => {
    const guess = guessLoginUser({ osAdminUser: 'admin', osDistro: 'ubuntu', name: 'Debian 12' });
    const reason = "from the image's os_admin_user: admin";
    assert.deepEqual(guess, { user: 'admin', source: 'os_admin_user', reason });
  });

  it('os_admin_user wins over Rackspace root', () => {
    assert.equal(guessLoginUser({ osAdminUser: 'ops', rackspaceDistro: 'org.ubuntu' })?.user, 'ops');
  });

  it('an os_admin_user that cannot be a user name is ignored (spaces, options, newlines)', () => {
    for (const bad of ['root\nProxyCommand x', '-oProxyCommand=x', 'a b', '"quoted"', 'x'.repeat(40), 'ünïcode']) {
      assert.equal(guessLoginUser({ osAdminUser: bad, osDistro: 'fedora' })?.user, 'fedora', bad);
    }
  });

  it("Rackspace images log in as root, with the image's distro id in the reason", () => {
    const guess = guessLoginUser({ rackspaceDistro: 'org.ubuntu', name: 'Ubuntu 22.04' });
    assert.deepEqual(guess, {
      user: 'root',
      source: 'rackspace',
      reason: "Rackspace images log in as root (image's org.openstack__1__os_distro: org.ubuntu)",
    });
  });

  it('on Rackspace without image hints: root', () => {
    assert.equal(guessLoginUser(undefined, { rackspace: true })?.user, 'root');
    const guess = guessLoginUser({ name: 'My snapshot' }, { rackspace: true });
    assert.equal(guess?.reason, 'Rackspace images log in as root');
  });

  it('unknown: undefined (no hints, unknown distro, a name naming none or two distros, Windows)', () => {
    assert.equal(guessLoginUser(undefined), undefined);
    assert.equal(guessLoginUser({}), undefined);
    assert.equal(guessLoginUser({ osDistro: 'windows', name: 'Windows Server 2022' }), undefined);
    assert.equal(guessLoginUser({ osDistro: 'arch' }), undefined);
    assert.equal(guessLoginUser({ name: 'my-app-snapshot-2024' }), undefined);
    assert.equal(guessLoginUser({ name: 'debian-to-ubuntu-migration' }), undefined);
  });

  it('words that merely contain a distro name do not count', () => {
    assert.equal(distroFromName('Almanac'), undefined);
    assert.equal(distroFromName('fedoras-and-hats'), undefined);
    assert.equal(distroFromName('ubuntu'), 'ubuntu');
  });

  it('a hostile distro value is shown one-line and bounded in the reason', () => {
    const guess = guessLoginUser({ rackspaceDistro: `org.x\n**${'y'.repeat(100)}**` });
    assert.equal(guess?.user, 'root');
    assert.ok(!guess?.reason.includes('\n'));
    assert.ok(guess.reason.length < 140);
  });
});
