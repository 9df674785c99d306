/**
 * Adding a private key to a running ssh-agent by speaking its protocol
 * (draft-miller-ssh-agent: SSH2_AGENTC_ADD_IDENTITY / ADD_ID_CONSTRAINED) over its socket
 * (`SSH_AUTH_SOCK`: a unix socket, or a named pipe on Windows) straight from memory.
 *
 * Chosen over running `ssh-add`: the key and the passphrase never leave this process (no
 * askpass helper, no temp file, no argv or environment), it needs no `ssh-add` on PATH, and
 * the agent's answer is a typed result rather than text to parse.
 */
import * as net from 'node:net';
import { sha256Fingerprint } from '../keys/fingerprint';
import { SshPrivateKey, decryptPrivateKey } from '../keys/opensshKey';
import { encodeString, encodeUint32 } from '../keys/sshWire';
import { CodedUserSafeError } from '../base/userSafe';
import * as l10n from '../base/l10n';

/** Kind of an {@link AgentError}. */
export type AgentErrorCode = 'no-agent' | 'refused' | 'protocol' | 'timeout';

/** The agent could not be reached or did not take the key; `message` is meant for the user. */
export class AgentError extends CodedUserSafeError<AgentErrorCode> {
  override name = 'AgentError';
}

/** Options of {@link addToAgent}. */
export interface AddToAgentOptions {
  /** The agent's socket (`process.env.SSH_AUTH_SOCK`); empty or undefined fails with `no-agent`. */
  socket: string | undefined;
  /** Needed only if `privateKey` is an OpenSSH key protected by a passphrase. */
  passphrase?: string;
  /** The comment the agent lists (`ssh-add -l`); defaults to the key's own comment. */
  comment?: string;
  /** Seconds after which the agent forgets the key (`ssh-add -t`); a positive integer. */
  lifetimeSeconds?: number;
  /** How long to wait for the agent's answer; 10 s by default. */
  timeoutMs?: number;
}

const ADD_IDENTITY = 17;
const ADD_ID_CONSTRAINED = 25;
const CONSTRAIN_LIFETIME = 1;
const SUCCESS = 6;
const FAILURES = new Set([5, 30, 102]);
const MAX_REPLY = 256 * 1024;

/**
 * Adds `privateKey` (OpenSSH or PEM text, or an already read {@link SshPrivateKey}) to the
 * agent at `options.socket`. Resolves to the key's SHA256 fingerprint, as `ssh-add -l`
 * lists it. Throws {@link AgentError} (`no-agent`: nothing listening; `refused`: the agent
 * answered failure, e.g. it is locked; `protocol`; `timeout`) or PrivateKeyError
 * (`encrypted` without a passphrase, `wrong-passphrase`, …). Never puts the passphrase or
 * key in an error.
 */
export async function addToAgent(privateKey: string | SshPrivateKey, options: AddToAgentOptions): Promise<string> {
  const { socket, lifetimeSeconds } = options;
  if (!socket) throw new AgentError('no-agent', l10n.t('No ssh-agent is running (SSH_AUTH_SOCK is not set).'));
  const validLifetime = Number.isInteger(lifetimeSeconds) && lifetimeSeconds! > 0 && lifetimeSeconds! < 2 ** 32;
  if (lifetimeSeconds !== undefined && !validLifetime) {
    throw new RangeError('The agent lifetime must be a positive whole number of seconds.');
  }
  const key =
    typeof privateKey === 'string' ? await decryptPrivateKey(privateKey, options.passphrase ?? '') : privateKey;
  const constraints =
    lifetimeSeconds === undefined ? [] : [Buffer.of(CONSTRAIN_LIFETIME), encodeUint32(lifetimeSeconds)];
  const body = Buffer.concat([
    Buffer.of(constraints.length ? ADD_ID_CONSTRAINED : ADD_IDENTITY),
    encodeString(key.type),
    key.fields,
    encodeString(options.comment ?? key.comment),
    ...constraints,
  ]);
  const message = Buffer.concat([encodeUint32(body.length), body]);
  body.fill(0);
  try {
    const reply = await request(socket, message, options.timeoutMs ?? 10_000);
    if (reply === SUCCESS) return sha256Fingerprint(key.publicBlob);
    if (FAILURES.has(reply)) {
      throw new AgentError(
        'refused',
        l10n.t('The ssh-agent refused the key (it may be locked or not accept this key type).'),
      );
    }
    throw new AgentError('protocol', l10n.t('The ssh-agent gave an unexpected answer (message type {0}).', reply));
  } finally {
    message.fill(0);
  }
}

/** Sends one request and resolves to the reply's message type. */
function request(socket: string, message: Buffer, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const connection = net.connect(socket);
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (err: AgentError): void => {
      connection.destroy();
      reject(err);
    };
    connection.setTimeout(timeoutMs, () =>
      fail(new AgentError('timeout', l10n.t('The ssh-agent did not answer in time.'))),
    );
    connection.on('connect', () => connection.write(message));
    connection.on('error', (err: NodeJS.ErrnoException) => {
      const missing = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      const text = missing
        ? l10n.t('The ssh-agent at {0} is not running.', socket)
        : l10n.t("The ssh-agent at {0} can't be reached ({1}).", socket, err.code ?? 'error');
      fail(new AgentError('no-agent', text));
    });
    connection.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const data = Buffer.concat(chunks);
      if (data.length < 4) return;
      const length = data.readUInt32BE(0);
      if (length < 1 || length > MAX_REPLY || received > 4 + MAX_REPLY) {
        fail(new AgentError('protocol', l10n.t('The ssh-agent gave a malformed answer.')));
      } else if (data.length >= 4 + length) {
        connection.destroy();
        resolve(data.readUInt8(4));
      }
    });
    const closed = l10n.t('The ssh-agent closed the connection without an answer.');
    connection.on('end', () => fail(new AgentError('protocol', closed)));
  });
}
