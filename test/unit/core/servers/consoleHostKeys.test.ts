// parseConsoleHostKeys over console excerpts written from the documented formats of cloud-init's
// keys_to_console on Ubuntu, Debian and Rocky (fingerprints through `logger -t ec2`, keys block
// bare or through the journal), with noise, `\r\n`, truncation, two boots and hostile lines.
// Keys are made by ssh-keygen here; fingerprints are checked against `ssh-keygen -lf`.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConsoleHostKeys, parseConsoleHostKeys } from '../../../../src/core/servers/consoleHostKeys';
import { novaConsoleOutput } from '../../../emulator/console';
import { tempDir } from '../../helpers/env';
import { must } from '../../../support/must';

interface HostKey {
  /** `type base64 root@host` as ssh-keygen wrote it. */
  line: string;
  /** `type base64`. */
  key: string;
  /** `ssh-keygen -lf` of the .pub: `256 SHA256:… root@host (ED25519)`. */
  keygen: string;
  sha256: string;
}

function hostKeys(dir: string, host: string, types: string[]): HostKey[] {
  return types.map((type) => {
    const file = path.join(dir, `${host}_${type}`);
    const size = type === 'rsa' ? ['-b', '3072'] : [];
    execFileSync('ssh-keygen', ['-q', '-t', type, ...size, '-N', '', '-C', `root@${host}`, '-f', file]);
    const line = fs.readFileSync(`${file}.pub`, 'utf8').trim();
    const keygen = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).trim();
    return { line, key: line.split(' ').slice(0, 2).join(' '), keygen, sha256: must(keygen.split(' ')[1], 'SHA256') };
  });
}

const kernel = (s: number, text: string) => `[${s.toFixed(6).padStart(12)}] ${text}`;

/** Ubuntu 22.04 on OpenStack: cloud-init's stdout straight on ttyS0, fingerprints via `logger -s -t ec2`. */
function ubuntu(keys: HostKey[], host = 'web-1'): string {
  const tag = '<14>Dec  5 10:13:08 ec2: ';
  return [
    kernel(0, 'Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) #101-Ubuntu SMP'),
    kernel(2.51, `systemd[1]: Set hostname to <${host}>.`),
    kernel(
      5.3,
      "cloud-init[812]: Cloud-init v. 23.4.4 running 'init' at Tue, 05 Dec 2023 10:13:01 +0000. Up 5.10 seconds.",
    ),
    kernel(5.31, 'cloud-init[812]: ci-info: +++++++++++++++++++++++Net device info++++++++++++++++++++++++'),
    kernel(6.2, 'cloud-init[812]: Generating public/private rsa key pair.'),
    kernel(6.21, "cloud-init[812]: The key's randomart image is:"),
    kernel(6.22, 'cloud-init[812]: +---[RSA 3072]----+'),
    'ci-info: no authorized SSH keys fingerprints found for user ubuntu.',
    `${tag}`,
    `${tag}#############################################################`,
    `${tag}-----BEGIN SSH HOST KEY FINGERPRINTS-----`,
    ...keys.map((k) => tag + k.keygen),
    `${tag}-----END SSH HOST KEY FINGERPRINTS-----`,
    `${tag}#############################################################`,
    '-----BEGIN SSH HOST KEY KEYS-----',
    ...keys.map((k) => k.line),
    '-----END SSH HOST KEY KEYS-----',
    kernel(
      12.44,
      'cloud-init[850]: Cloud-init v. 23.4.4 finished at Tue, 05 Dec 2023 10:13:09 +0000. Up 12.43 seconds',
    ),
    '',
    `Ubuntu 22.04.3 LTS ${host} ttyS0`,
    '',
    `${host} login: `,
  ].join('\r\n');
}

/** Debian 12 genericcloud: cloud-init's lines come through the journal with its prefix. */
function debian(keys: HostKey[]): string {
  const ci = (s: number, text: string) => kernel(s, `cloud-init[498]: ${text}`);
  return [
    kernel(0, 'Linux version 6.1.0-13-cloud-amd64 (debian-kernel@lists.debian.org)'),
    ci(9.1, "Cloud-init v. 22.4.2 running 'modules:final' at Wed, 06 Dec 2023 08:00:01 +0000. Up 9.08 seconds."),
    ci(
      9.2,
      'ci-info: +++++++++++++Authorized keys from /home/debian/.ssh/authorized_keys for user debian++++++++++++++',
    ),
    ci(9.21, 'ci-info: | ssh-ed25519 | 3f:2a:…:9c | - | deploy |'),
    ci(9.3, '#############################################################'),
    ci(9.31, '-----BEGIN SSH HOST KEY FINGERPRINTS-----'),
    ...keys.map((k) => ci(9.32, k.keygen)),
    ci(9.33, '-----END SSH HOST KEY FINGERPRINTS-----'),
    ci(9.34, '#############################################################'),
    ci(9.4, '-----BEGIN SSH HOST KEY KEYS-----'),
    ...keys.map((k) => ci(9.41, k.line)),
    ci(9.42, '-----END SSH HOST KEY KEYS-----'),
    ci(9.5, 'Cloud-init v. 22.4.2 finished at Wed, 06 Dec 2023 08:00:02 +0000. Datasource DataSourceOpenStack.'),
    '',
    'Debian GNU/Linux 12 localhost ttyS0',
  ].join('\r\n');
}

/** Rocky 9: host keys made without comment (`no comment`), fingerprints tagged `ec2: `. */
function rocky(keys: HostKey[]): string {
  const tag = 'ec2: ';
  const noComment = (k: HostKey) => k.keygen.replace(/ root@\S+ /, ' no comment ');
  return [
    kernel(0, 'Linux version 5.14.0-362.8.1.el9_3.x86_64 (mockbuild@iad1-prod-build001.bld.equ.rockylinux.org)'),
    kernel(14.2, "cloud-init[1010]: Cloud-init v. 23.1.1-10.el9 running 'modules:config'."),
    `${tag}`,
    `${tag}#############################################################`,
    `${tag}-----BEGIN SSH HOST KEY FINGERPRINTS-----`,
    ...keys.map((k) => tag + noComment(k)),
    `${tag}-----END SSH HOST KEY FINGERPRINTS-----`,
    `${tag}#############################################################`,
    '-----BEGIN SSH HOST KEY KEYS-----',
    ...keys.map((k) => k.key),
    '-----END SSH HOST KEY KEYS-----',
    kernel(15.9, 'cloud-init[1089]: Cloud-init v. 23.1.1-10.el9 finished. Up 15.88 seconds'),
    '',
    'Rocky Linux 9.3 (Blue Onyx)',
    'Kernel 5.14.0-362.8.1.el9_3.x86_64 on an x86_64',
    '',
    'localhost login: ',
  ].join('\r\n');
}

function keysOf(result: ConsoleHostKeys): string[] {
  assert.equal(result.status, 'keys', JSON.stringify(result));
  return result.status === 'keys' ? result.keys.map((k) => k.key) : [];
}

describe('parseConsoleHostKeys', function () {
  this.timeout(30000);
  const dir = tempDir('skp-console-');
  let first: HostKey[];
  let second: HostKey[];
  before(() => {
    first = hostKeys(dir, 'web-1', ['ecdsa', 'ed25519', 'rsa']);
    second = hostKeys(dir, 'web-1b', ['ecdsa', 'ed25519', 'rsa']);
  });

  for (const [name, build] of [
    ['Ubuntu', (k: HostKey[]) => ubuntu(k)],
    ['Debian', debian],
    ['Rocky', rocky],
  ] as const) {
    it(`${name}: the keys block's keys, SHA256 as ssh-keygen -lf prints them, and the fingerprints printed with them`, () => {
      const result = parseConsoleHostKeys(build(first));
      assert.deepEqual(
        keysOf(result),
        first.map((k) => k.key),
      );
      assert.ok(result.status === 'keys');
      assert.deepEqual(
        result.keys.map((k) => k.sha256),
        first.map((k) => k.sha256),
      );
      assert.deepEqual(
        result.keys.map((k) => [k.type, k.bits]),
        [
          ['ecdsa-sha2-nistp256', 256],
          ['ssh-ed25519', 256],
          ['ssh-rsa', 3072],
        ],
      );
      assert.deepEqual(result.fingerprints, [
        { type: 'ECDSA', bits: 256, sha256: first[0]?.sha256 },
        { type: 'ED25519', bits: 256, sha256: first[1]?.sha256 },
        { type: 'RSA', bits: 3072, sha256: first[2]?.sha256 },
      ]);
      assert.equal(result.ignoredLines, 0);
    });

    it(`${name}: the same as Nova serves it (\\r removed) and with a bare \\n`, () => {
      const expected = first.map((k) => k.key);
      assert.deepEqual(keysOf(parseConsoleHostKeys(novaConsoleOutput(build(first), null))), expected);
      assert.deepEqual(keysOf(parseConsoleHostKeys(build(first).replace(/\r\n/g, '\n'))), expected);
    });
  }

  it('two boots: the last complete block wins, and a reboot without keys after it changes nothing', () => {
    const reboot = [kernel(0, 'Linux version 5.15.0-91-generic'), 'web-1 login: '].join('\r\n');
    const text = [ubuntu(first), reboot, ubuntu(second), reboot].join('\r\n');
    assert.deepEqual(
      keysOf(parseConsoleHostKeys(text)),
      second.map((k) => k.key),
    );
  });

  it('truncated: the text begins inside the block (ask for more), or the last block has no END (never the older block)', () => {
    const lines = ubuntu(first).split('\r\n');
    const fromInside = lines.slice(lines.indexOf('-----BEGIN SSH HOST KEY KEYS-----') + 2).join('\r\n');
    assert.deepEqual(parseConsoleHostKeys(fromInside), { status: 'truncated', at: 'start' });
    const cut = lines.slice(0, lines.indexOf('-----END SSH HOST KEY KEYS-----')).join('\r\n');
    assert.deepEqual(parseConsoleHostKeys(cut), { status: 'truncated', at: 'end' });
    const reinstalledWhileReading = `${ubuntu(first)}\r\n${ubuntu(second).split('-----END SSH HOST KEY KEYS-----')[0]}`;
    assert.deepEqual(parseConsoleHostKeys(reinstalledWhileReading), { status: 'truncated', at: 'end' });
    const printsCut = ubuntu(first).split('ec2: -----END SSH HOST KEY FINGERPRINTS-----')[0] ?? '';
    assert.deepEqual(parseConsoleHostKeys(printsCut), { status: 'truncated', at: 'end' });
  });

  it('nothing yet: a console of a server still booting, an empty one', () => {
    const booting = [
      kernel(0, 'Linux version 6.1.0'),
      kernel(3.2, 'cloud-init[401]: Cloud-init v. 23.4 running init-local'),
    ];
    assert.deepEqual(parseConsoleHostKeys(booting.join('\r\n')), { status: 'none', ignoredLines: 0 });
    assert.deepEqual(parseConsoleHostKeys(''), { status: 'none', ignoredLines: 0 });
  });

  it('fingerprints only (the keys block blacklisted): SHA256 as printed; MD5 of very old images', () => {
    const text = ubuntu(first).replace(
      /-----BEGIN SSH HOST KEY KEYS-----[\s\S]*-----END SSH HOST KEY KEYS-----\r\n/,
      '',
    );
    assert.deepEqual(parseConsoleHostKeys(text), {
      status: 'fingerprints',
      fingerprints: [
        { type: 'ECDSA', bits: 256, sha256: first[0]?.sha256 },
        { type: 'ED25519', bits: 256, sha256: first[1]?.sha256 },
        { type: 'RSA', bits: 3072, sha256: first[2]?.sha256 },
      ],
      ignoredLines: 0,
    });
    const md5 = execFileSync('ssh-keygen', ['-E', 'md5', '-lf', path.join(dir, 'web-1_rsa.pub')], { encoding: 'utf8' });
    const old = [
      'ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
      `ec2: ${md5.trim()}`,
      'ec2: -----END SSH HOST KEY FINGERPRINTS-----',
    ];
    const parsed = parseConsoleHostKeys(old.join('\n'));
    assert.ok(parsed.status === 'fingerprints');
    assert.deepEqual(parsed.fingerprints, [{ type: 'RSA', bits: 3072, md5: must(/MD5:(\S+)/.exec(md5)?.[1], 'md5') }]);
  });

  it('untrusted lines: other types, a type that lies, bad or oversized base64, damaged keys are ignored; no comment comes out', () => {
    const ed = must(first[1], 'the ed25519 key');
    const edBlob = Buffer.from(must(ed.key.split(' ')[1], 'base64'), 'base64');
    const lying = `ssh-rsa ${edBlob.toString('base64')}`;
    const short = Buffer.concat([edBlob.subarray(0, edBlob.length - 1)]);
    short.writeUInt32BE(31, 15);
    const hostile = [
      '-----BEGIN SSH HOST KEY KEYS-----',
      'ssh-dss AAAAB3NzaC1kc3MAAACBAP1/U4EddRIpUt9KnC7s5Of2EbdSPO9EAMMeP4C2USZpRV1AIlH7WT2NWPq/xfW6MPbLm1Vs14E7',
      lying,
      'ssh-ed25519 AAAA$$$notbase64',
      `ssh-ed25519 ${short.toString('base64')}`,
      `ssh-rsa AAAAB3NzaC1yc2E${'A'.repeat(9000)}`,
      `${ed.key} [click me](https://evil.example/) \u001b[31m**bold**\u202e`,
      '-----END SSH HOST KEY KEYS-----',
    ].join('\n');
    const result = parseConsoleHostKeys(hostile);
    assert.deepEqual(result, {
      status: 'keys',
      keys: [{ type: 'ssh-ed25519', key: ed.key, sha256: ed.sha256, bits: 256 }],
      fingerprints: [],
      ignoredLines: 5,
    });
    assert.doesNotMatch(JSON.stringify(result), /click|evil|bold|\\u/);
  });

  it('a keys block whose every line is rejected counts as nothing (or its fingerprints when printed)', () => {
    const text = ['-----BEGIN SSH HOST KEY KEYS-----', 'ssh-ed25519 AAAAnope', '-----END SSH HOST KEY KEYS-----'].join(
      '\n',
    );
    assert.deepEqual(parseConsoleHostKeys(text), { status: 'none', ignoredLines: 1 });
  });

  it('a huge console: the latest 2 MiB are read, quickly; a block further back is not', () => {
    const noise =
      `${kernel(99.5, 'audit: type=1400 audit(1701770000.123:42): apparmor="DENIED" operation="open"')}\r\n`.repeat(
        60_000,
      );
    assert.ok(noise.length > 5_000_000);
    const started = performance.now();
    assert.deepEqual(
      keysOf(parseConsoleHostKeys(noise + ubuntu(first))),
      first.map((k) => k.key),
    );
    const took = performance.now() - started;
    assert.ok(took < 1500, `parsed ${noise.length} characters in ${took.toFixed(0)} ms`);
    assert.deepEqual(parseConsoleHostKeys(ubuntu(first) + noise), { status: 'none', ignoredLines: 0 });
    const longLine = [
      '-----BEGIN SSH HOST KEY KEYS-----',
      'x'.repeat(100_000),
      first[1]?.line,
      '-----END SSH HOST KEY KEYS-----',
    ];
    const parsed = parseConsoleHostKeys(longLine.join('\n'));
    assert.ok(parsed.status === 'keys' && parsed.ignoredLines === 1);
  });
});
