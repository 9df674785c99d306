/**
 * The key pair of a `.pub` file open in an editor (the one Create opens), for the editor's
 * Copy Public Key and Reveal Private Key: its key line, its MD5 fingerprint, the private key
 * next to it, and the name of the listed key pair with that fingerprint (else the file's name).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { md5Fingerprint } from '../../core/keys/fingerprint';
import { parsePublicKey } from '../../core/keys/publicKey';
import type { KeyPairNode } from '../../core/flows/keyPairList';
import { Services } from '../services';

export async function keyPairOfPublicKeyFile(services: Services, uri: vscode.Uri): Promise<KeyPairNode | undefined> {
  if (uri.scheme !== 'file' || !uri.fsPath.endsWith('.pub')) return undefined;
  let line: string;
  let fingerprint: string;
  try {
    const key = parsePublicKey(await fs.readFile(uri.fsPath, 'utf8'));
    line = key.line;
    fingerprint = md5Fingerprint(line);
  } catch {
    return undefined;
  }
  const privatePath = uri.fsPath.slice(0, -'.pub'.length);
  const hasPrivate = await fs.stat(privatePath).then(
    (s) => s.isFile(),
    () => false,
  );
  const listed = (await services.keyPairList?.completeList())?.find((n) => n.keyPair.fingerprint === fingerprint);
  return {
    kind: 'keypair',
    keyPair: listed?.keyPair ?? { name: path.basename(privatePath), publicKey: line, fingerprint },
    ...(hasPrivate && { local: { privatePath, publicPath: uri.fsPath, fingerprint } }),
  };
}
