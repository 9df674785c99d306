// Console output of the emulator's servers (`POST /servers/{id}/action` `os-getConsoleOutput`),
// as Nova serves it (/work/shared/notes/nova-console.md): the body schema (`length`: integer,
// string of digits or null, minimum -1; no other key), the compute manager's tail (the last N
// pieces of `log.split('\n')`), the API's clean-up (control characters but `\n` and `\t`
// removed, non-ASCII replaced), and a log written the way a real first boot writes it: kernel
// and systemd lines with timestamps, cloud-init's stages, its fingerprints block through
// `logger -t ec2` and its keys block, with `\r\n` line ends (a serial console).
// Node built-ins only.
import * as crypto from 'node:crypto';
import { isPlainObject, pyRepr, pyStr } from './common';
import { parseOpenSshPublicKey, rsaBlobFromJwk, sshString } from './sshkeys';

/** Where a console's style comes from: the image's distro (others look like Ubuntu). */
export type ConsoleDistro = 'ubuntu' | 'debian' | 'rocky';

export interface FirstBootOptions {
  hostname: string;
  /** Host public key lines (`type base64 [comment]`), printed in this order. */
  hostKeys: string[];
  distro?: ConsoleDistro;
  /** When the boot started (default: now). */
  bootedAt?: Date;
  /** Print the keys block (cloud-init's `emit_keys_to_console`); default true. */
  keysBlock?: boolean;
  /** Print the fingerprints block; default true. */
  fingerprintsBlock?: boolean;
}

function fingerprintLine(publicKey: string, hostname: string, comment: 'root' | 'none'): string {
  const parsed = parseOpenSshPublicKey(publicKey);
  if (!parsed) throw new Error(`console: not a public key: ${publicKey.slice(0, 40)}`);
  const sha = crypto.createHash('sha256').update(parsed.blob).digest('base64').replace(/=+$/, '');
  const kind: Record<string, [string, number]> = {
    'ssh-ed25519': ['ED25519', 256],
    'ecdsa-sha2-nistp256': ['ECDSA', 256],
    'ecdsa-sha2-nistp384': ['ECDSA', 384],
    'ecdsa-sha2-nistp521': ['ECDSA', 521],
  };
  const [type, bits] = kind[parsed.type] ?? ['RSA', rsaBits(parsed.blob)];
  return `${bits} SHA256:${sha} ${comment === 'root' ? `root@${hostname}` : 'no comment'} (${type})`;
}

function rsaBits(blob: Buffer): number {
  const key = crypto.createPublicKey({ key: blob2jwk(blob), format: 'jwk' });
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

function blob2jwk(blob: Buffer): crypto.JsonWebKey {
  let off = 0;
  const next = (): Buffer => {
    const len = blob.readUInt32BE(off);
    const out = blob.subarray(off + 4, off + 4 + len);
    off += 4 + len;
    return out;
  };
  next();
  const e = next();
  const n = next();
  const strip = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b);
  return { kty: 'RSA', e: strip(e).toString('base64url'), n: strip(n).toString('base64url') };
}

/** `Dec  5 10:13:08`, as syslog (and `logger -s`) prints a time. */
function syslogTime(d: Date): string {
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${month} ${day} ${d.toISOString().slice(11, 19)}`;
}

/** `[   12.345678] ` after `seconds` of uptime. */
function kernelStamp(seconds: number): string {
  return `[${seconds.toFixed(6).padStart(12, ' ')}] `;
}

/**
 * The console of one first boot, with `\r\n` line ends. Ubuntu and Debian print the keys block
 * bare (cloud-init's output goes straight to the console) and the fingerprints through
 * `logger -s -t ec2` (`<14>Dec  5 10:13:08 ec2: …`); Rocky's host keys have no comment (its
 * fingerprint lines say `no comment`) and its cloud-init lines come through the journal
 * (`[  14.5] cloud-init[1010]: …`).
 */
export function firstBootConsole(o: FirstBootOptions): string {
  const distro = o.distro ?? 'ubuntu';
  const at = o.bootedAt ?? new Date();
  const when = (s: number) => syslogTime(new Date(at.getTime() + s * 1000));
  const rocky = distro === 'rocky';
  const kernel = rocky
    ? '5.14.0-362.8.1.el9_3.x86_64'
    : distro === 'debian'
      ? '6.1.0-13-cloud-amd64'
      : '5.15.0-91-generic';
  const lines: string[] = [
    `${kernelStamp(0)}Linux version ${kernel} (builder@localhost) (gcc version 12.2.0) #1 SMP PREEMPT_DYNAMIC`,
    `${kernelStamp(0)}Command line: BOOT_IMAGE=/boot/vmlinuz-${kernel} root=UUID=6a3c8d6e-0f1b-4e59-9a4f-3c2b8f1e7d10 ro console=tty1 console=ttyS0`,
    `${kernelStamp(0.000001)}BIOS-provided physical RAM map:`,
    `${kernelStamp(0.412311)}Freeing unused kernel image (initmem) memory: 3236K`,
    `${kernelStamp(1.90213)}EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.`,
    `${kernelStamp(2.51277)}systemd[1]: Detected virtualization kvm.`,
    `${kernelStamp(2.51301)}systemd[1]: Set hostname to <${rocky ? 'localhost' : o.hostname}>.`,
    '[  OK  ] Started \u001b[0;1;39mJournal Service\u001b[0m.',
  ];
  const ci = (s: number, text: string) => `${kernelStamp(s)}cloud-init[${rocky ? 1010 : 812}]: ${text}`;
  lines.push(
    ci(
      5.101,
      `Cloud-init v. 23.4.4 running 'init' at ${new Date(at.getTime() + 5101).toUTCString()}. Up 5.10 seconds.`,
    ),
    ci(5.102, 'ci-info: ++++++++++++++++++++++++++++++++++++++Net device info+++++++++++++++++++++++++++++++++++++++'),
    ci(5.103, 'ci-info: +--------+------+------------------------------+---------------+--------+-------------------+'),
    ci(5.104, 'ci-info: | Device |  Up  |           Address            |      Mask     | Scope  |     Hw-Address    |'),
    ci(5.105, 'ci-info: |  ens3  | True |          10.0.0.17           | 255.255.255.0 | global | fa:16:3e:5b:21:0c |'),
    ci(5.106, 'ci-info: +--------+------+------------------------------+---------------+--------+-------------------+'),
    ci(6.201, 'Generating public/private ed25519 key pair.'),
    ci(6.202, 'Your identification has been saved in /etc/ssh/ssh_host_ed25519_key'),
    ci(6.203, "The key's randomart image is:"),
    ci(6.204, '+--[ED25519 256]--+'),
    ci(6.205, '|      .o+*=.     |'),
    ci(6.206, '+----[SHA256]-----+'),
    ci(9.871, `Cloud-init v. 23.4.4 running 'modules:config' at ${new Date(at.getTime() + 9871).toUTCString()}.`),
  );
  const comment = rocky ? 'none' : 'root';
  if (o.fingerprintsBlock ?? true) {
    const tag = rocky ? 'ec2: ' : `<14>${when(12)} ec2: `;
    lines.push(
      `${tag}`,
      `${tag}#############################################################`,
      `${tag}-----BEGIN SSH HOST KEY FINGERPRINTS-----`,
      ...o.hostKeys.map((k) => tag + fingerprintLine(k, o.hostname, comment)),
      `${tag}-----END SSH HOST KEY FINGERPRINTS-----`,
      `${tag}#############################################################`,
    );
  }
  if (o.keysBlock ?? true) {
    const keyLine = (k: string) => {
      const [type = '', data = ''] = k.trim().split(/\s+/);
      return rocky ? `${type} ${data}` : `${type} ${data} root@${o.hostname}`;
    };
    const block = ['-----BEGIN SSH HOST KEY KEYS-----', ...o.hostKeys.map(keyLine), '-----END SSH HOST KEY KEYS-----'];
    lines.push(...(rocky ? block.map((l) => ci(12.31, l)) : block));
  }
  lines.push(
    ci(
      12.44,
      `Cloud-init v. 23.4.4 finished at ${new Date(at.getTime() + 12440).toUTCString()}. Datasource DataSourceOpenStackLocal [net,ver=2].  Up 12.43 seconds`,
    ),
    '',
    rocky
      ? 'Rocky Linux 9.3 (Blue Onyx)'
      : distro === 'debian'
        ? 'Debian GNU/Linux 12 ' + o.hostname + ' ttyS0'
        : `Ubuntu 22.04.3 LTS ${o.hostname} ttyS0`,
    '',
    `${o.hostname} login: `,
  );
  return lines.join('\r\n') + '\r\n';
}

/** A later boot (a reboot): kernel and systemd lines, no keys (cloud-init prints them once per instance). */
export function rebootConsole(hostname: string): string {
  return (
    [
      `${kernelStamp(0)}Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) #101-Ubuntu SMP`,
      `${kernelStamp(2.5)}systemd[1]: Set hostname to <${hostname}>.`,
      `${kernelStamp(6.1)}cloud-init[790]: Cloud-init v. 23.4.4 running 'modules:final'. Up 6.10 seconds.`,
      '',
      `${hostname} login: `,
    ].join('\r\n') + '\r\n'
  );
}

/** Made-up host keys of a server no sshd backs: ECDSA, ed25519 and RSA 3072, the types Ubuntu makes. */
export function madeUpHostKeys(): string[] {
  const ed = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const edBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(ed.x ?? '', 'base64url'))]);
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(ec.x ?? '', 'base64url'),
    Buffer.from(ec.y ?? '', 'base64url'),
  ]);
  const ecBlob = Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(point)]);
  // No server answers with these keys, so the RSA one need not be a real key (generating one takes
  // a second): a random odd 3072-bit modulus is a well-formed `ssh-rsa` key all the same.
  const modulus = crypto.randomBytes(384);
  modulus[0] = (modulus[0] ?? 0) | 0x80;
  modulus[383] = (modulus[383] ?? 0) | 1;
  const rsaBlob = rsaBlobFromJwk(modulus.toString('base64url'), Buffer.from([1, 0, 1]).toString('base64url'));
  return [
    `ecdsa-sha2-nistp256 ${ecBlob.toString('base64')}`,
    `ssh-ed25519 ${edBlob.toString('base64')}`,
    `ssh-rsa ${rsaBlob.toString('base64')}`,
  ];
}

/** Nova's schema for the action body: `{"os-getConsoleOutput": {"length"?: int | "digits" | null}}`, minimum -1. */
export function consoleRequest(body: unknown): { ok: true; length: number | null } | { ok: false; message: string } {
  if (!isPlainObject(body)) return { ok: false, message: 'Malformed request body' };
  if (Object.keys(body).length !== 1) return { ok: false, message: 'Malformed request body: too many body keys' };
  const action = body['os-getConsoleOutput'];
  const invalid = (field: string, value: unknown, why: string) => ({
    ok: false as const,
    message: `Invalid input for field/attribute ${field}. Value: ${pyStr(value)}. ${why}`,
  });
  if (!isPlainObject(action))
    return invalid('os-getConsoleOutput', action, `${pyRepr(action)} is not of type 'object'`);
  for (const key of Object.keys(action)) {
    if (key !== 'length') {
      return invalid('os-getConsoleOutput', action, `Additional properties are not allowed ('${key}' was unexpected)`);
    }
  }
  const length = action.length;
  if (length === undefined || length === null) return { ok: true, length: null };
  if (typeof length === 'number') {
    if (!Number.isInteger(length))
      return invalid('length', length, `${pyRepr(length)} is not of type 'integer', 'string', 'null'`);
    if (length < -1) return invalid('length', length, `${length} is less than the minimum of -1`);
    return { ok: true, length };
  }
  if (typeof length === 'string') {
    // The pattern applies to strings; the minimum only to numbers (so "-5" passes, as in Nova).
    if (!/^-?[0-9]+$/.test(length)) return invalid('length', length, `${pyRepr(length)} does not match '^-?[0-9]+$'`);
    return { ok: true, length: Number(length) };
  }
  return invalid('length', length, `${pyRepr(length)} is not of type 'integer', 'string', 'null'`);
}

/**
 * What Nova returns for a stored log: the compute manager keeps the last `length` pieces of
 * `log.split('\n')` (0: nothing; a negative n drops the first -n pieces, as Python's slice does)
 * and decodes as ASCII (other bytes become U+FFFD), then the API removes `\x00`–`\x08` and
 * `\x0b`–`\x1f` (so `\r` and ESC; `\n` and `\t` stay).
 */
export function novaConsoleOutput(log: string, length: number | null): string {
  let bytes = Buffer.from(log, 'utf8');
  if (length !== null) {
    if (length === 0) bytes = Buffer.alloc(0);
    else {
      const pieces = log.split('\n');
      const kept = length > 0 ? pieces.slice(Math.max(0, pieces.length - length)) : pieces.slice(-length);
      bytes = Buffer.from(kept.join('\n'), 'utf8');
    }
  }
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : '\ufffd';
  // eslint-disable-next-line no-control-regex -- Nova's own clean-up
  return out.replace(/[\x00-\x08\x0b-\x1f]/g, '');
}

/** Host key lines (`type base64 [comment]`) of a console's last keys block, for tests. */
export function keysInConsole(log: string): string[] {
  const at = log.lastIndexOf('-----BEGIN SSH HOST KEY KEYS-----');
  if (at < 0) return [];
  const end = log.indexOf('-----END SSH HOST KEY KEYS-----', at);
  return log
    .slice(at, end < 0 ? undefined : end)
    .split(/\r?\n/)
    .slice(1)
    .map((l) => /(ssh-\S+|ecdsa-\S+) (\S+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`)
    .filter((l) => parseOpenSshPublicKey(l) !== undefined);
}
