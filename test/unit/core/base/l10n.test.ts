// Every message the pure core words for the user goes through l10n.t (issue #13). The
// pseudo-locale bundle the build writes (l10n/bundle.l10n.qps-ploc.json: every extracted
// string wrapped ⟦…⟧) is installed through src/core/base/l10n.ts's test seam, the way VS Code looks
// messages up in the bundle of its display language; then real failures are driven (wrong
// credentials against the emulator, bad names, malformed keys, a missing agent, a failed ssh)
// and each message the user would read must come out wrapped. A string that bypasses l10n.t,
// or a call the extractor does not find (so it is missing from the bundle), stays bare English.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Credentials, authenticate } from '../../../../src/core/api/identity';
import { TokenManager } from '../../../../src/core/api/tokenManager';
import { UserSafeError } from '../../../../src/core/base/userSafe';
import { classifySshFailure, sshArguments, verifyLogin } from '../../../../src/core/ssh/remoteKeys';
import { rotateKeyPair } from '../../../../src/core/flows/rotate/run';
import { nameSets, validateName } from '../../../../src/core/flows/validateName';
import { addToAgent } from '../../../../src/core/ssh/agent';
import { authorizedKeyLine } from '../../../../src/core/ssh/authorizedKeys';
import { checkTargets, saveKeyPair } from '../../../../src/core/keys/keyFiles';
import { readPublicKeyFile } from '../../../../src/core/keys/localKeys';
import { checkKeyPairName } from '../../../../src/core/keys/names';
import { decryptPrivateKey, encryptPrivateKey, readPrivateKey } from '../../../../src/core/keys/opensshKey';
import { checkPrivateKey } from '../../../../src/core/keys/privateKey';
import { parsePublicKey } from '../../../../src/core/keys/publicKey';
import { checkConfigWord } from '../../../../src/core/ssh/config/words';
import { checkHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import * as l10n from '../../../../src/core/base/l10n';
import { describeAddress } from '../../../../src/core/servers/addresses';
import { guessLoginUser } from '../../../../src/core/servers/loginUser';
import { tempDir, testHttp, useEmulator } from '../../helpers/env';

const ROOT = path.resolve(__dirname, '../../../../..');
const PSEUDO = JSON.parse(fs.readFileSync(path.join(ROOT, 'l10n/bundle.l10n.qps-ploc.json'), 'utf8')) as Record<
  string,
  string
>;

/** The message, translated: the pseudo-locale wraps a whole message as ⟦…⟧. */
function assertTranslated(message: string | undefined, what: string): void {
  assert.ok(message !== undefined, `${what}: no message`);
  assert.match(message, /^⟦[\s\S]*⟧$/u, `${what}: "${message}" did not go through l10n.t`);
}

/** The message of the error `run` throws or rejects with; it must be one written for the user. */
async function failure(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof UserSafeError, `a message for the user, not ${String(err)}`);
    return err.message;
  }
  return assert.fail('expected a failure');
}

/** A fresh ed25519 private key, PKCS#8 PEM. */
function newPrivateKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

const USERS = [
  { username: 'demo', apiKey: 'demo-api-key-9f3', password: 'demo-password-7c1', tenantId: '123456' },
  { username: 'gone', apiKey: 'gone-api-key-1a6', tenantId: '333', disabled: true },
  {
    username: 'alice',
    password: 'alice-password-6f0',
    tenantId: 'a1b2c3',
    domain: 'Default',
    project: 'alice-project',
    appCredential: { id: 'appcred-1', secret: 'appcred-secret-4d9' },
  },
];

describe('l10n: the core words what the user reads through l10n.t', () => {
  const ctx = useEmulator({ users: USERS, regions: ['ORD'] });
  before(() => l10n.setTranslator((message) => PSEUDO[message] ?? message));
  after(() => l10n.setTranslator(undefined));

  it('the check can fail: a string missing from the bundle stays bare English', () => {
    assert.equal(l10n.t('Not in any bundle {0}.', 'x'), 'Not in any bundle x.');
    assert.throws(() => assertTranslated(l10n.t('Not in any bundle.'), 'missing'), /did not go through l10n.t/);
    assertTranslated(l10n.t('Rackspace did not accept the username or API key.'), 'in the bundle');
  });

  it('sign-in failures and the account label (emulator)', async () => {
    const http = testHttp();
    const rax = { provider: 'rackspace', identityUrl: ctx.emu.identityUrl, username: 'demo' } as const;
    const keystone = {
      provider: 'keystone',
      authUrl: ctx.emu.keystoneUrl,
      username: 'alice',
      userDomain: 'Default',
      project: 'alice-project',
      projectDomain: 'Default',
    } as const;
    const failing: [string, Credentials][] = [
      ['wrong API key', { ...rax, apiKey: 'wrong' }],
      ['wrong password', { ...rax, password: 'wrong' }],
      ['disabled user', { ...rax, username: 'gone', apiKey: 'gone-api-key-1a6' }],
      ['wrong Keystone password', { ...keystone, password: 'wrong' }],
      [
        'wrong application credential',
        {
          provider: 'keystone',
          authUrl: ctx.emu.keystoneUrl,
          applicationCredentialId: 'appcred-1',
          applicationCredentialSecret: 'x',
        },
      ],
    ];
    for (const [what, creds] of failing) {
      const message = await failure(() => authenticate(http, creds));
      assertTranslated(message, what);
    }
    assert.equal(
      await failure(() => authenticate(http, { ...rax, apiKey: 'wrong' })),
      '⟦Rackspace did not accept the username or API key.⟧',
    );
    const signedOut = new TokenManager({ http, credentials: async () => undefined });
    assertTranslated(await failure(() => signedOut.session()), 'signed out');
    const unreadable = new TokenManager({
      http,
      credentials: () => Promise.reject(new Error('keychain locked')),
    });
    assertTranslated(await failure(() => unreadable.session()), 'keychain unreadable');

    const rackspace = await authenticate(http, { ...rax, apiKey: 'demo-api-key-9f3' });
    assert.equal(rackspace.accountLabel, '⟦demo (Rackspace, tenant 123456)⟧');
    const openstack = await authenticate(http, { ...keystone, password: 'alice-password-6f0' });
    assertTranslated(openstack.accountLabel, 'Keystone account label');
  });

  it('the name box: every verdict, and the words inside it', () => {
    const context = {
      ...nameSets(['web', 'Deploy Key']),
      files: new Set(['id_ed25519', 'config']),
      directoryShown: '~/.ssh',
    };
    const names = ['', '   ', ' lead', 'trail\t', 'a/b', 'k'.repeat(256), '..', 'web', 'deploy key', 'id_ed25519'];
    const more = ['ID_ED25519', 'config', 'x.pub', 'nul', 'fresh', 'k'.repeat(253)];
    for (const name of [...names, ...more]) {
      assertTranslated(validateName(name, context).message, `name ${JSON.stringify(name)}`);
    }
    assertTranslated(validateName('fresh', { ...context, directoryShown: undefined }).message, 'import');
    // The character's name is translated too, not only the sentence around it.
    assert.match(checkKeyPairName('a\tb')?.message ?? '', /^⟦⟦a tab \(U\+0009\)⟧ at position 2/u);
    assert.match(checkKeyPairName('a\u200bb')?.message ?? '', /⟦invisible character U\+200B⟧/u);
  });

  it('malformed public keys, private keys and key files', async () => {
    const pem = newPrivateKey();
    const line = `ssh-ed25519 ${readPrivateKey(pem).publicBlob.toString('base64')} me@host`;
    const publicKeys = [
      '',
      'a\nb',
      'ssh-ed25519 AAAA\u202e',
      'hello',
      'ssh-dss AAAAB3NzaC1kc3M=',
      'ssh-ed25519',
      'ssh-ed25519 !!!!',
      pem,
      '---- BEGIN SSH2 PUBLIC KEY ----',
      '-----BEGIN PUBLIC KEY-----',
      `ssh-rsa ${line.split(' ')[1]}`,
      `ssh-ed25519 ${Buffer.from('\0\0\0\x0bssh-ed25519\0\0\0\x01x').toString('base64')}`,
      `command="x" ${line}`,
    ];
    for (const text of publicKeys) {
      assertTranslated(await failure(() => parsePublicKey(text)), `public key ${JSON.stringify(text.slice(0, 20))}`);
    }
    // The damage's detail is translated inside the sentence.
    const truncated = `ssh-ed25519 ${Buffer.from('\0\0\0\x0bssh-ed25519\0\0').toString('base64')}`;
    assert.equal(await failure(() => parsePublicKey(truncated)), '⟦The key data is damaged (⟦data is truncated⟧).⟧');
    assertTranslated(await failure(() => authorizedKeyLine(`${line}\u0007`)), 'authorized_keys comment');

    const info = parsePublicKey(line);
    assertTranslated(await failure(() => checkPrivateKey('not a key', info)), 'not a private key');
    const other = newPrivateKey();
    assertTranslated(await failure(() => checkPrivateKey(other, info)), 'private key of another pair');
    assertTranslated(await failure(() => readPrivateKey('not a key')), 'readPrivateKey');
    assertTranslated(await failure(() => encryptPrivateKey(pem, '', 'c')), 'empty passphrase');
    const encrypted = await encryptPrivateKey(pem, 'right', 'c', { rounds: 1 });
    assertTranslated(await failure(() => decryptPrivateKey(encrypted, 'wrong')), 'wrong passphrase');
    assertTranslated(await failure(() => readPrivateKey(encrypted)), 'protected by a passphrase');

    const dir = tempDir('skp-l10n-');
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const pair = { privateKey: pem, publicKey: line };
    assertTranslated(await failure(() => checkTargets(path.join(dir, 'file'), 'k')), 'not a folder');
    await saveKeyPair({ dir, fileBase: 'k', ...pair });
    assertTranslated(await failure(() => saveKeyPair({ dir, fileBase: 'k', ...pair })), 'key file exists');
    assertTranslated(await failure(() => readPublicKeyFile(dir)), 'a folder as public key file');
  });

  it('ssh-agent, ssh and ssh config messages', async () => {
    const pem = newPrivateKey();
    assertTranslated(await failure(() => addToAgent(pem, { socket: undefined })), 'no agent');
    const socket = path.join(tempDir('skp-l10n-'), 'agent.sock');
    assertTranslated(await failure(() => addToAgent(pem, { socket })), 'agent not running');

    assertTranslated(await failure(() => sshArguments({ host: '-oProxy', user: 'root' }, 'id')), 'bad host');
    assertTranslated(await failure(() => sshArguments({ host: 'h', user: 'a b' }, 'id')), 'bad user');
    assertTranslated(await failure(() => sshArguments({ host: 'h', user: 'u', port: 0 }, 'id')), 'bad port');
    const bad = await verifyLogin({ host: 'h', user: '' }, 'id');
    assert.ok(!bad.ok);
    assertTranslated(bad.message, 'verifyLogin with a bad user');
    const stderr = [
      'ssh: connect to host h port 22: Connection timed out',
      'WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!',
      'Host key verification failed.',
      'Load key "id": invalid format',
      'root@h: Permission denied (publickey).',
      'ssh: connect to host h port 22: Connection refused',
      'something else',
      '',
    ];
    for (const text of stderr) {
      assertTranslated(classifySshFailure(255, text, false).message, `ssh said ${JSON.stringify(text)}`);
    }
    assertTranslated(classifySshFailure(null, '', false).message, 'ssh killed by a signal');

    for (const [value, kind] of [
      ['', 'alias'],
      ['a b', 'alias'],
      ['a"b', 'alias'],
      ['-a', 'alias'],
      ['me@box', 'alias'],
      ['web*', 'alias'],
      ['wéb', 'alias'],
      ['', 'host'],
      ['a#b', 'host'],
      ['a%b', 'user'],
      ['a\\b', 'user'],
    ] as const) {
      assertTranslated(checkConfigWord(value, kind), `${kind} ${JSON.stringify(value)}`);
    }
    assertTranslated(checkHostEntry({ alias: 'a', identityFile: '/k', port: 70000 }), 'port');
  });

  it('server lines: addresses, the login user guess, rotation progress', async () => {
    const address = { ip: '203.0.113.7', version: 4, network: 'public', rank: 'floating' } as const;
    assert.equal(describeAddress(address), '⟦203.0.113.7 (floating IPv4, public)⟧');
    for (const rank of ['public-ipv4', 'ipv6', 'fixed'] as const) {
      assertTranslated(describeAddress({ ...address, rank }), rank);
    }
    const hints = [
      { osAdminUser: 'admin' },
      { rackspaceDistro: 'ubuntu' },
      { osDistro: 'ubuntu' },
      { name: 'Debian 12' },
    ];
    for (const hint of hints) assertTranslated(guessLoginUser(hint)?.reason, JSON.stringify(hint));
    assertTranslated(guessLoginUser(undefined, { rackspace: true })?.reason, 'Rackspace');

    const progress: string[] = [];
    const result = await failure(() =>
      rotateKeyPair({
        oldPair: { name: 'old', privatePath: '/nonexistent/old', publicKey: 'ssh-ed25519 AAAA' },
        createNewPair: async () => undefined,
        servers: [],
        config: { path: '/nonexistent/config', args: [] },
        deleteOldPairOnServer: () => assert.fail('nothing to delete'),
        confirmDeleteOld: () => assert.fail('nothing to confirm'),
        progress: (message) => progress.push(message),
      }),
    );
    assertTranslated(result, 'the old key cannot be read');
    assert.deepEqual(progress, ['⟦Checking the old private key…⟧']);
  });
});
