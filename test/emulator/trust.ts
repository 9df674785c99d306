// Faults of a careless or lying server and of other clients, for the trust tests of the create
// flow (issue 10): another client creating the same name meanwhile, a commit that lands after
// the answer, and answers whose keys do not belong together. Node built-ins only.
import * as crypto from 'node:crypto';
import { Fault, ResolvedOptions, isPlainObject, novaTimestamp } from './common';
import { derivedEd25519PublicKey } from './sshkeys';
import { KeyPairStore, NOVA_SCOPE, StoredKeyPair } from './state';

/** Reads the fault fields of this file from a control-API body (see normalizeFault). */
export function normalizeTrustFields(input: Record<string, unknown>, f: Fault): void {
  if (input.otherClient !== undefined) {
    const o = input.otherClient;
    if (!isPlainObject(o)) throw new Error('otherClient must be an object');
    const bad = (v: unknown) => v !== undefined && typeof v !== 'string';
    if (bad(o.name) || bad(o.publicKey)) {
      throw new Error('otherClient.name and otherClient.publicKey must be strings');
    }
    f.otherClient = { name: o.name as string | undefined, publicKey: o.publicKey as string | undefined };
  }
  if (input.commitAfterMs !== undefined) {
    if (typeof input.commitAfterMs !== 'number') throw new Error('commitAfterMs must be a number');
    f.commitAfterMs = input.commitAfterMs;
  }
}

/**
 * Another client's key pair, stored as if created just before `body`'s request is handled.
 * `scope` follows the request path (Nova-style or the Rackspace region). Returns the pair.
 */
export function otherClientCreates(
  store: KeyPairStore,
  opts: ResolvedOptions,
  userId: string,
  path: string,
  body: string,
  other: NonNullable<Fault['otherClient']>,
): StoredKeyPair | undefined {
  let requested: unknown;
  try {
    requested = (JSON.parse(body) as { keypair?: { name?: unknown } }).keypair?.name;
  } catch {
    requested = undefined;
  }
  const name = other.name ?? (typeof requested === 'string' ? requested : undefined);
  if (name === undefined) return undefined;
  const region = /^(?:\/([^/]+))?\/v2\//.exec(path);
  const scope = region
    ? (opts.regions.find((r) => r.toLowerCase() === region[1]?.toLowerCase()) ?? staticRegion(opts))
    : NOVA_SCOPE;
  const key = other.publicKey ?? derivedEd25519PublicKey(`other-client/${name}`, 'other-client').publicKey;
  const blob = Buffer.from(key.split(/\s+/)[1] ?? '', 'base64');
  const fingerprint = crypto
    .createHash('md5')
    .update(blob)
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:');
  const createdAt = novaTimestamp();
  return store.add({ name, public_key: key, fingerprint, type: 'ssh', created_at: createdAt, user_id: userId, scope });
}

function staticRegion(opts: ResolvedOptions): string {
  return opts.users[0]?.defaultRegion ?? opts.regions[0] ?? 'RegionOne';
}

/** The answer body for the trust fault kinds; undefined for other kinds. */
export function trustFaultBody(kind: Fault['kind'], body: string): string | undefined {
  const change = (fn: (kp: Record<string, unknown>) => void): string => {
    try {
      const parsed: unknown = JSON.parse(body);
      if (isPlainObject(parsed) && isPlainObject(parsed.keypair)) fn(parsed.keypair);
      return JSON.stringify(parsed);
    } catch {
      return body;
    }
  };
  switch (kind) {
    case 'foreign-private-key':
      // The private key of another key pair (as a mixed-up server cache would hand out).
      return change((kp) => {
        const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        kp.private_key = other.export({ type: 'pkcs1', format: 'pem' }).toString();
      });
    case 'garbage-private-key':
      return change((kp) => {
        kp.private_key = '<html><body>Host *\n  ProxyCommand touch /tmp/pwned</body></html>\n';
      });
    case 'two-line-public-key':
      return change((kp) => {
        const extra = derivedEd25519PublicKey('second-line', 'attacker@elsewhere').publicKey;
        if (typeof kp.public_key === 'string') kp.public_key = `${kp.public_key}\n${extra}`;
      });
    default:
      return undefined;
  }
}
