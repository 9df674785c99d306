import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudEntry, CloudsFound } from '../../../../src/core/api/cloudsConfig';
import { parseYaml } from '../../../../src/core/api/yamlLite';
import { cloud, machine } from '../../helpers/clouds';

const secretOf = (c: CloudEntry) => ('password' in c.credentials ? c.credentials.password : undefined);
const everything = (found: CloudsFound) => JSON.stringify(found.problems);

const prod = (authUrl: string, extra = '') =>
  [
    'clouds:',
    '  prod:',
    '    auth:',
    `      auth_url: ${authUrl}`,
    '      username: alice',
    '      project_name: web',
    extra,
  ].join('\n');

describe('clouds.yaml as users (and repositories) really have it', () => {
  it("a workspace folder's clouds.yaml never receives the passwords of the user's own secure.yaml", async () => {
    const m = machine('skp-clouds-break-');
    // The user's real setup: clouds.yaml + secure.yaml in ~/.config/openstack.
    m.write(m.user(), prod('https://keystone.example.com:5000/v3'));
    m.write(m.user('secure.yaml'), 'clouds:\n  prod:\n    auth:\n      password: "hunter2"\n');
    // A cloned repository ships its own clouds.yaml naming the same cloud, elsewhere.
    m.write(path.join(m.cwd, 'clouds.yaml'), prod('https://attacker.example.net/v3'));
    const found = await m.find();
    const c = cloud(found, 'prod');
    assert.equal(c.credentials.provider === 'keystone' && c.credentials.authUrl, 'https://attacker.example.net/v3');
    assert.notEqual(secretOf(c), 'hunter2', "the user's password must not go to the repository's auth_url");
    assert.equal(c.needsSecret, true, 'the password is asked, with the auth_url shown');
    assert.ok(
      found.problems.some((p) => p.file.endsWith('secure.yaml') && /workspace/i.test(p.message)),
      `the user is told why secure.yaml was not merged: ${everything(found)}`,
    );
  });

  it("a secure.yaml beside the workspace's clouds.yaml is still merged", async () => {
    const m = machine('skp-clouds-break-');
    m.write(path.join(m.cwd, 'clouds.yaml'), prod('https://keystone.example.com/v3'));
    m.write(path.join(m.cwd, 'secure.yaml'), 'clouds:\n  prod:\n    auth:\n      password: here\n');
    const c = cloud(await m.find(), 'prod');
    assert.equal(secretOf(c), 'here');
    assert.equal(c.needsSecret, false);
  });

  it('clouds named constructor, toString or __proto__ are clouds like any other', async () => {
    const m = machine('skp-clouds-break-');
    const one = (name: string) => [
      `  ${name}:`,
      '    auth:',
      '      auth_url: https://k.example/v3',
      '      username: u',
      '      project_name: p',
    ];
    m.write(
      m.user(),
      ['clouds:', ...one('constructor'), ...one('toString'), ...one('__proto__'), ...one('plain')].join('\n'),
    );
    m.write(m.user('secure.yaml'), 'clouds:\n  plain:\n    auth:\n      password: x\n');
    const found = await m.find();
    assert.deepEqual(found.clouds.map((c) => c.name).sort(), ['__proto__', 'constructor', 'plain', 'toString']);
    assert.deepEqual(found.problems, []);
  });

  it('passwords with #, :, quotes and backslashes are read whole; CRLF, a BOM, trailing comments', async () => {
    const m = machine('skp-clouds-break-');
    m.write(
      m.user(),
      '\uFEFFclouds:\r\n' +
        '  a:   # first\r\n' +
        '    auth:\r\n' +
        '      auth_url: https://k.example:5000/v3   # keystone\r\n' +
        '      username: "alice"\r\n' +
        '      password: p#ss:word  # a comment after a space\r\n' +
        '      project_name: web\r\n' +
        '  b:\r\n' +
        '    auth:\r\n' +
        "      auth_url: 'https://k.example/v3'\r\n" +
        '      username: bob\r\n' +
        "      password: 'it''s \"q\" #1 \\n'\r\n" +
        '      project_name: web\r\n' +
        '  "c d":\r\n' +
        '    auth:\r\n' +
        '      auth_url: https://k.example/v3\r\n' +
        '      username: carol\r\n' +
        '      password: "a\\\\b\\"c: #d"\r\n' +
        '      project_name: web\r\n',
    );
    const found = await m.find();
    assert.deepEqual(found.problems, []);
    assert.equal(secretOf(cloud(found, 'a')), 'p#ss:word');
    assert.equal(secretOf(cloud(found, 'b')), 'it\'s "q" #1 \\n');
    assert.equal(secretOf(cloud(found, 'c d')), 'a\\b"c: #d');
  });

  it('anchors and aliases (<<: *defaults), tabs and several documents: the file and line are named, no secret is', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'defaults: &defaults\n  auth:\n    password: s3cr3t-anchor\nclouds:\n  a:\n    <<: *defaults\n',
        /line 1: \\"&\\"/,
      ],
      ['clouds:\n  a:\n    auth:\n\t    password: s3cr3t-tab\n', /line 4: a tab/],
      ['clouds:\n  a:\n    auth:\n      password: s3cr3t-doc\n---\nclouds: {}\n', /line 5: more than one document/],
      ['clouds:\n  a:\n    auth:\n      password: "s3cr3t-open\n', /line 4: a quoted value/],
      ['clouds:\n  a:\n    auth:\n      password: s3cr3t\n        -continued\n', /line 5/],
    ];
    for (const [text, expected] of cases) {
      const m = machine('skp-clouds-break-');
      const file = m.write(m.user(), text);
      const found = await m.find();
      assert.equal(found.clouds.length, 0);
      const said = everything(found);
      assert.ok(found.problems[0]?.message.includes(file), said);
      assert.match(said, expected);
      assert.doesNotMatch(said, /s3cr3t/, 'no secret in the message');
    }
  });

  it('OS_CLIENT_CONFIG_FILE naming a folder, and a secure.yaml that cannot be read, are named', async () => {
    const m = machine('skp-clouds-break-');
    const dir = path.join(m.root, 'a-folder');
    fs.mkdirSync(dir);
    const found = await m.find({ OS_CLIENT_CONFIG_FILE: dir });
    assert.deepEqual(found.clouds, []);
    assert.match(everything(found), /a-folder could not be read \(EISDIR\)/);

    const m2 = machine('skp-clouds-break-');
    m2.write(m2.user(), prod('https://k.example/v3'));
    // A secure.yaml that is a folder: unreadable even as root.
    fs.mkdirSync(m2.user('secure.yaml'));
    const found2 = await m2.find();
    assert.equal(cloud(found2, 'prod').needsSecret, true, 'the cloud is still offered, its password asked');
    assert.match(everything(found2), /secure\.yaml could not be read \(EISDIR\)/);
  });

  it('a symlinked clouds.yaml is read; a cloud name with Markdown, control characters and newlines stays one name', async () => {
    const m = machine('skp-clouds-break-');
    const real = m.write(
      path.join(m.root, 'dotfiles', 'clouds.yaml'),
      prod('https://k.example/v3').replace('prod:', '"[x](command:evil)\\n\\u0007prod":'),
    );
    fs.mkdirSync(path.dirname(m.user()), { recursive: true });
    fs.symlinkSync(real, m.user());
    const found = await m.find();
    assert.deepEqual(
      found.clouds.map((c) => c.name),
      ['[x](command:evil)\n\u0007prod'],
    );
  });

  it('a very long line is refused or read in well under a second (no regular-expression blow-up)', () => {
    const started = Date.now();
    try {
      parseYaml(`clouds:\n  a${' '.repeat(60_000)}b\n`);
    } catch {
      // refused is fine
    }
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  });
});

describe('clouds.yaml that is not a file one can read to its end', () => {
  const within = <T>(ms: number, p: Promise<T>) =>
    Promise.race([
      p,
      new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)),
    ]);

  it('a clouds.yaml that is a FIFO (or a link to /dev/zero) is named, and Sign In does not hang or fill memory', async () => {
    const m = machine('skp-clouds-break-');
    execFileSync('mkfifo', [path.join(m.cwd, 'clouds.yaml')]);
    m.write(m.user(), prod('https://k.example/v3'));
    const found = await within(3000, m.find());
    assert.match(JSON.stringify(found.problems), /clouds\.yaml is not a regular file/);

    const m2 = machine('skp-clouds-break-');
    fs.symlinkSync('/dev/zero', path.join(m2.cwd, 'clouds.yaml'));
    const found2 = await within(3000, m2.find());
    assert.match(JSON.stringify(found2.problems), /clouds\.yaml is not a regular file/);
  });

  it('a huge clouds.yaml is refused with its size, not read', async () => {
    const m = machine('skp-clouds-break-');
    const file = m.write(m.user(), prod('https://k.example/v3') + '\n' + '#'.repeat(80) + '\n'.repeat(1));
    fs.appendFileSync(file, ('# ' + 'x'.repeat(98) + '\n').repeat(200_000));
    const found = await m.find();
    assert.deepEqual(found.clouds, []);
    assert.match(JSON.stringify(found.problems), /too large/);
  });

  it('a large but sane clouds.yaml (2,000 clouds) is read quickly', async () => {
    const m = machine('skp-clouds-break-');
    const lines = ['clouds:'];
    for (let i = 0; i < 2000; i++) {
      lines.push(
        `  c${i}:`,
        '    auth:',
        `      auth_url: https://k${i}.example/v3`,
        '      username: u',
        '      project_name: p',
      );
    }
    m.write(m.user(), lines.join('\n'));
    const started = Date.now();
    const found = await m.find();
    assert.equal(found.clouds.length, 2000);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });
});

describe('the OS_* environment as openrc files set it', () => {
  it('a password with #, quotes, spaces and a trailing space is kept whole; OS_CLOUD=envvars picks the environment', async () => {
    const m = machine('skp-clouds-break-');
    const env = {
      OS_AUTH_URL: 'https://k.example/v3',
      OS_USERNAME: 'alice',
      OS_PASSWORD: ' p#ss "w:rd" ',
      OS_PROJECT_ID: 'abc123',
      OS_CLOUD: 'envvars',
    };
    const found = await m.find(env);
    const c = cloud(found, 'envvars');
    assert.equal(secretOf(c), ' p#ss "w:rd" ');
    assert.equal(found.preselect, 'envvars');
    assert.doesNotMatch(everything(found), /p#ss/);
  });
});
