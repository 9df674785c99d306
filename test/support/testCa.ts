/**
 * A throw-away certificate authority made with `openssl` in a temp folder, and a server
 * certificate for 127.0.0.1 it signed: for HTTPS tests that must trust (or not) a private CA.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TestCa {
  /** The CA certificate (PEM), as a cloud's `cacert` names it. */
  caFile: string;
  /** The server's key and certificate (PEM), for 127.0.0.1 only. */
  key: string;
  cert: string;
}

/** Makes the CA and the 127.0.0.1 server certificate in `dir` (valid for a day, P-256 keys). */
export function makeTestCa(dir: string): TestCa {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(
    'req',
    '-x509',
    ...p256,
    '-keyout',
    'test-ca.key',
    '-out',
    'test-ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=Server Key Pairs test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  run('req', ...p256, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'test-ca.pem',
    '-CAkey',
    'test-ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  );
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { caFile: path.join(dir, 'test-ca.pem'), key: read('server.key'), cert: read('server.pem') };
}
