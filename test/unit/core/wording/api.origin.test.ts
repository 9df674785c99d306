// Issue 13, "Error messages know where the endpoint came from": signed in, the Compute endpoint
// comes from the account's service catalog, so a wrong or unreachable endpoint is fixed by
// signing in again or picking another region, never by the `keypairs.endpoint` setting (used
// only with an API token). A 401 on an account that renews its own token means signing in
// did not help. And a 409 says what happened instead of "Conflict (409)". Real HTTP to the
// emulator on 127.0.0.1 (sign-in, catalog, Compute), as the shell would meet these errors.
import * as assert from 'node:assert/strict';
import { ComputeClient } from '../../../../src/core/api/compute';
import { ApiError } from '../../../../src/core/api/errors';
import { Credentials } from '../../../../src/core/api/identity';
import { TokenManager } from '../../../../src/core/api/tokenManager';
import { describeError } from '../../../../src/core/wording/errorText';
import { ErrorContext } from '../../../../src/core/wording/api';
import { OPEN_SETTING, SELECT_REGION, SIGN_IN } from '../../../../src/core/wording/actions';
import { plainMessage } from '../../../../src/core/base/plainText';
import { compute, rejection, testHttp, useEmulator } from '../../helpers/env';
import { closedPort } from '../../helpers/net';

const ACCOUNT = 'demo (Rackspace, tenant 123456)';
const SIGNED_IN: ErrorContext = { endpointSource: 'catalog', account: ACCOUNT, region: 'DFW' };
const API_TOKEN: ErrorContext = { endpointSource: 'setting' };
const FROM_CATALOG = `This is the Compute endpoint of ${ACCOUNT} in region DFW, from its service catalog`;

const failure = (p: Promise<unknown>) => rejection(p, ApiError);

describe('error wording follows where the endpoint came from (issue 13)', () => {
  const ctx = useEmulator();
  const h = () => new URL(ctx.emu.url).host;

  /** A Compute client of the signed-in demo account in DFW: the endpoint from its catalog, the token renewed itself. */
  async function signedIn(): Promise<{ client: ComputeClient; tokens: TokenManager; endpoint: string }> {
    const creds: Credentials = {
      provider: 'rackspace',
      identityUrl: ctx.emu.identityUrl,
      username: 'demo',
      apiKey: 'demo-api-key',
    };
    const http = testHttp({ retries: 0 });
    const tokens = new TokenManager({ http, credentials: async () => creds });
    const session = await tokens.session();
    assert.equal(session.accountLabel, ACCOUNT);
    const endpoint = session.regions.find((r) => r.region === 'DFW')!.url;
    return { client: new ComputeClient({ endpoint, auth: tokens, http }), tokens, endpoint };
  }

  it('404 on the catalog endpoint: names the account and region, offers Select Region and Sign In', async () => {
    const { client } = await signedIn();
    ctx.emu.addFault({ method: 'GET', path: /os-keypairs$/, status: 404 });
    const err = await failure(client.listAll());
    assert.equal(err.kind, 'endpoint-not-found');
    const shown = describeError(err, SIGNED_IN);
    assert.equal(
      shown.message,
      `${h()} has no Compute key pairs API at this address (404). ${FROM_CATALOG}: select another region, or sign in again.`,
    );
    assert.deepEqual(shown.actions, [SELECT_REGION, SIGN_IN]);
    // With an API token the same failure still points at the setting.
    assert.deepEqual(describeError(err, API_TOKEN), {
      message: `${h()} has no Compute key pairs API at this address (404). Check the "keypairs.endpoint" setting.`,
      actions: [OPEN_SETTING],
    });
  });

  it('connection refused at the catalog endpoint: no word of keypairs.endpoint', async () => {
    const port = await closedPort();
    const err = await failure(compute(`http://127.0.0.1:${port}/v2/123456`).listAll());
    assert.equal(err.kind, 'connection-refused');
    const shown = describeError(err, SIGNED_IN);
    assert.equal(
      shown.message,
      `Could not connect to 127.0.0.1:${port}: the connection was refused. ${FROM_CATALOG}: select another region, or sign in again.`,
    );
    assert.deepEqual(shown.actions, [SELECT_REGION, SIGN_IN]);
    assert.match(describeError(err, API_TOKEN).message, /Check the "keypairs\.endpoint" setting\.$/);
  });

  it('DNS failure of the catalog endpoint: the network, then region or sign-in', () => {
    // The kind as HttpClient makes it of ENOTFOUND (no lookup leaves this machine in tests).
    const err = new ApiError({ kind: 'dns', method: 'GET', url: 'https://dfw.servers.example/v2/1/os-keypairs' });
    const shown = describeError(err, SIGNED_IN);
    assert.equal(
      shown.message,
      `The host dfw.servers.example could not be found. Check your network. ${FROM_CATALOG}: select another region, or sign in again.`,
    );
    assert.deepEqual(shown.actions, [SELECT_REGION, SIGN_IN]);
    assert.deepEqual(describeError(err, API_TOKEN), {
      message:
        'The host dfw.servers.example could not be found. Check the "keypairs.endpoint" setting and your network.',
      actions: [OPEN_SETTING],
    });
  });

  it('every Compute failure of a signed-in account stays clear of keypairs.endpoint', async () => {
    const url = 'http://10.0.0.5:8774/v2.1/os-keypairs';
    const kinds = ['unsupported-media-type', 'bad-response', 'response-too-large', 'invalid-endpoint'] as const;
    for (const kind of kinds) {
      const shown = describeError(new ApiError({ kind, method: 'GET', url, status: 415 }), SIGNED_IN);
      assert.doesNotMatch(shown.message, /keypairs\.endpoint/, kind);
      assert.ok(!shown.actions.includes(OPEN_SETTING), kind);
      assert.ok(shown.actions.includes(SELECT_REGION), kind);
    }
    const insecure = describeError(new ApiError({ kind: 'insecure-transport', method: 'GET', url }), SIGNED_IN);
    assert.equal(
      insecure.message,
      'Nothing was sent to 10.0.0.5:8774: it is reached over plain http://, which would send your token unencrypted ' +
        `for anyone on the network to read. The service catalog of ${ACCOUNT} lists this address; ` +
        'select another region, or ask the cloud operator for an https:// endpoint.',
    );
  });

  it('401 after the account signed in again by itself: the sign-in did not help, offer Sign In', async () => {
    const { client } = await signedIn();
    // Refused, renewed (a real second sign-in), refused again.
    ctx.emu.addFault({ method: 'GET', path: /os-keypairs$/, status: 401, times: 2 });
    const err = await failure(client.listAll());
    assert.equal(err.kind, 'unauthorized');
    const signIns = ctx.emu.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/tokens'));
    assert.equal(signIns.length, 2, 'it signed in again after the first 401');
    const shown = describeError(err, SIGNED_IN);
    assert.equal(
      shown.message,
      `${h()} refused the token from signing in to ${ACCOUNT} (401), also right after signing in again. ` +
        'Sign in again; if this keeps happening, the account may have no access to Compute in this region.',
    );
    assert.doesNotMatch(shown.message, /may have expired|API token/);
    assert.deepEqual(shown.actions, [SIGN_IN, SELECT_REGION]);
  });

  it('401 with a plain API token keeps its wording', async () => {
    ctx.emu.addFault({ method: 'GET', path: /os-keypairs$/, status: 401 });
    const err = await failure(compute(ctx.emu.computeUrl).listAll());
    assert.equal(
      describeError(err, API_TOKEN).message,
      `${h()} rejected the credentials (401): the token may have expired. Sign in again, or set a new API token.`,
    );
  });

  it('409 on a key pair create: the name is taken, choose another', async () => {
    ctx.emu.seed(1, { prefix: 'web-' });
    const err = await failure(compute(ctx.emu.computeUrl, { microversion: '' }).create('web-00001'));
    assert.equal(err.kind, 'conflict');
    for (const context of [SIGNED_IN, API_TOKEN, undefined]) {
      assert.deepEqual(describeError(err, context), {
        message: `A key pair with this name already exists on ${h()} (409). Choose another name.`,
        actions: [],
      });
    }
  });

  it('409 elsewhere: refused because of the state of what it acts on, with the server words as plain text', async () => {
    const said = 'Cannot delete [key](command:evil) while in use';
    ctx.emu.addFault({
      method: 'DELETE',
      status: 409,
      body: JSON.stringify({ conflictingRequest: { code: 409, message: said } }),
      headers: { 'content-type': 'application/json' },
    });
    ctx.emu.seed(1, { prefix: 'victim-' });
    const err = await failure(compute(ctx.emu.computeUrl).delete('victim-00001'));
    assert.equal(err.kind, 'conflict');
    const { message } = describeError(err);
    assert.equal(
      message,
      `${h()} refused the request because of the current state of what it acts on (409). It said: ${said} ` +
        'Wait for that to change, or change it, and try again.',
    );
    assert.doesNotMatch(message, /Conflict \(409\)|Something went wrong/);
    // As the shell shows it: the server's words are plain text, no live link.
    assert.doesNotMatch(plainMessage(message), /\]\(command:/);
  });
});
