// Issue 13 "Certificates": the client trusts Node's roots, the OS store, NODE_EXTRA_CA_CERTS
// and PEM certificates passed in by the shell; a 'tls' error says which sources were used.
// An HTTPS server on 127.0.0.1 with a certificate from a CA made here by `openssl`.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ApiError } from '../../../../src/core/api/errors';
import { HttpClient } from '../../../../src/core/api/http';
import { describeError } from '../../../../src/core/wording/errorText';
import { rejection, tempDir } from '../../helpers/env';
import { ConnectProxy, startConnectProxy } from '../../../support/connectProxy';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** A CA and a server certificate for 127.0.0.1 signed by it, in `dir`. */
function makeCa(dir: string): { caPath: string; caPem: string; key: Buffer; cert: Buffer } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=Key Pairs Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  openssl(['req', ...ec, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1'], dir);
  const ext = 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n';
  fs.writeFileSync(path.join(dir, 'ext.cnf'), ext);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'srv.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'srv.pem',
      '-days',
      '1',
      '-extfile',
      'ext.cnf',
    ],
    dir,
  );
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  const caPath = path.join(dir, 'ca.pem');
  return { caPath, caPem: read('ca.pem').toString(), key: read('srv.key'), cert: read('srv.pem') };
}

describe('certificates (issue 13)', () => {
  let ca: ReturnType<typeof makeCa>;
  let server: https.Server;
  let url: string;
  before(async function () {
    this.timeout(20_000);
    ca = makeCa(tempDir('skp-ca-'));
    server = https.createServer({ key: ca.key, cert: ca.cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v2.1`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = async (http: HttpClient) => {
    try {
      return await http.request({ method: 'GET', url });
    } finally {
      await http.close();
    }
  };

  it('refuses a certificate from an unknown CA, and says which certificates it trusted', async () => {
    const err = await rejection(get(new HttpClient({ retries: 0 })), ApiError);
    assert.equal(err.kind, 'tls');
    assert.equal(err.certificateSources?.[0]?.source, 'bundled');
    assert.ok((err.certificateSources?.[0]?.count ?? 0) > 100, 'Node.js roots');
    const message = describeError(err).message;
    assert.match(message, /^A secure connection to 127\.0\.0\.1:\d+ could not be made \(/);
    assert.match(message, /Trusted: \d+ certificates built into Node\.js/);
    if (process.platform === 'linux' && fs.existsSync('/etc/ssl/certs/ca-certificates.crt')) {
      assert.match(message, /, \d+ from the system store \(\/etc\/ssl\/certs\/ca-certificates\.crt\)/);
    }
  });

  it('trusts PEM certificates passed in (the setting)', async () => {
    const res = await get(new HttpClient({ retries: 0, caCertificates: [ca.caPem] }));
    assert.deepEqual(res.body, { ok: true });
  });

  it('trusts the CA named by NODE_EXTRA_CA_CERTS when the client starts', async () => {
    const before = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = ca.caPath;
    try {
      const res = await get(new HttpClient({ retries: 0 }));
      assert.deepEqual(res.body, { ok: true });
    } finally {
      if (before === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = before;
    }
  });

  it('a tls error lists a setting that held no certificate', async () => {
    const err = await rejection(get(new HttpClient({ retries: 0, caCertificates: ['not a certificate'] })), ApiError);
    assert.equal(err.kind, 'tls');
    assert.ok(err.certificateSources?.some((s) => s.source === 'setting' && s.count === 0));
    assert.match(describeError(err).message, /, 0 from the certificate files in settings/);
  });

  // Issue 21: VS Code's http.proxyStrictSSL is about the proxy's certificate. With it false an
  // https:// proxy whose certificate no one vouches for is used; the server's certificate is
  // still checked through the tunnel, always.
  describe("http.proxyStrictSSL on the extension's own route (an https:// proxy)", () => {
    let proxy: ConnectProxy;
    before(async function () {
      this.timeout(20_000);
      const untrusted = makeCa(tempDir('skp-proxy-ca-'));
      proxy = await startConnectProxy({ tls: { key: untrusted.key, cert: untrusted.cert } });
    });
    after(async () => proxy.close());

    const viaProxy = (o: { strictSSL?: boolean; trustServer: boolean }) =>
      new HttpClient({
        retries: 0,
        proxy: { url: proxy.url, noProxy: [] },
        ...(o.strictSSL !== undefined && { strictSSL: o.strictSSL }),
        ...(o.trustServer && { caCertificates: [ca.caPem] }),
      });

    it('checked (the default): a proxy certificate no one vouches for stops the call before any tunnel', async () => {
      const tunnels = proxy.tunnels.length;
      const err = await rejection(get(viaProxy({ trustServer: true })), ApiError);
      assert.equal(err.kind, 'tls');
      assert.equal(proxy.tunnels.length, tunnels, 'no CONNECT was sent');
    });

    it("false: the proxy's certificate is not checked, the call goes through its tunnel", async () => {
      const tunnels = proxy.tunnels.length;
      const res = await get(viaProxy({ strictSSL: false, trustServer: true }));
      assert.deepEqual(res.body, { ok: true });
      assert.deepEqual(proxy.tunnels.slice(tunnels), [new URL(url).host]);
    });

    it("false: the server's own certificate is still checked through the tunnel", async () => {
      const tunnels = proxy.tunnels.length;
      const err = await rejection(get(viaProxy({ strictSSL: false, trustServer: false })), ApiError);
      assert.equal(err.kind, 'tls');
      assert.deepEqual(proxy.tunnels.slice(tunnels), [new URL(url).host], 'the tunnel opened; the server was refused');
    });
  });
});
