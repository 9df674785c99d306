/**
 * The small key pair commands of the Key Pairs view: Copy Public Key, Copy Fingerprint,
 * Open Public Key, Reveal Private Key File. From a view node they act on that node; from
 * the Command Palette they first ask which key pair (a quick pick).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findLocalKey, localKeyIndex } from '../flows/localKeys';
import { displayPath } from '../keys/keyFiles';
import { showError } from '../messages';
import { Services } from '../services';
import { sshDirectory } from '../settings';
import { notify } from '../ui/notify';
import { withCancellableProgress } from '../ui/progress';
import { pick } from '../ui/prompts';
import { isKeyPairNode, KeyPairNode, KeyPairsProvider } from '../views/keyPairsView';
import { ensureSetup } from './setup';

/** What the management commands share. */
export interface ManageContext {
  services: Services;
  view: KeyPairsProvider;
}

/** Scheme of the read-only documents Open Public Key shows (the key line is in the query). */
export const PUBLIC_KEY_SCHEME = 'keypairs-public-key';

/** Serves `keypairs-public-key:/<name>.pub?<key line>` documents: read-only, nothing stored. */
export class PublicKeyDocuments implements vscode.TextDocumentContentProvider {
  provideTextDocumentContent(uri: vscode.Uri): string {
    return `${uri.query}\n`;
  }
}

/**
 * The key pair a command acts on: the node it was invoked on, else the user's pick among
 * the account's key pairs (only those with a local private key when `localOnly`).
 */
export async function resolveKeyPair(
  ctx: ManageContext,
  arg: unknown,
  o: { title: string; localOnly?: boolean },
): Promise<KeyPairNode | undefined> {
  if (isKeyPairNode(arg)) return arg;
  const compute = await ensureSetup(ctx.services);
  if (!compute) return undefined;
  const dir = sshDirectory();
  let nodes = await ctx.view.completeList();
  if (!nodes) {
    try {
      nodes = await withCancellableProgress('Loading key pairs…', async (signal) => {
        const [all, index] = await Promise.all([compute.listAll({ signal }), localKeyIndex(dir)]);
        return all.map((keyPair): KeyPairNode => ({ kind: 'keypair', keyPair, local: findLocalKey(index, keyPair.fingerprint) }));
      });
    } catch (err) {
      await showError(err, 'Loading key pairs');
      return undefined;
    }
  }
  if (o.localOnly) nodes = nodes.filter((n) => n.local);
  if (nodes.length === 0) {
    void notify(
      'info',
      o.localOnly
        ? `None of your key pairs has its private key in ${displayPath(dir)}.`
        : 'There are no key pairs in this account yet.',
    );
    return undefined;
  }
  const items = nodes.map((node) => ({
    label: node.keyPair.name,
    description: node.keyPair.fingerprint,
    detail: node.local ? `Private key: ${displayPath(node.local.privatePath)}` : undefined,
    node,
  }));
  const picked = await pick(items, { title: o.title, placeHolder: 'Choose a key pair', matchOnDescription: true });
  return picked?.node;
}

export async function copyPublicKeyCommand(ctx: ManageContext, arg?: unknown): Promise<string | undefined> {
  const node = await resolveKeyPair(ctx, arg, { title: 'Copy Public Key' });
  if (!node) return undefined;
  await vscode.env.clipboard.writeText(node.keyPair.publicKey);
  void notify('info', `Copied the public key of "${node.keyPair.name}".`);
  return node.keyPair.publicKey;
}

export async function copyFingerprintCommand(ctx: ManageContext, arg?: unknown): Promise<string | undefined> {
  const node = await resolveKeyPair(ctx, arg, { title: 'Copy Fingerprint' });
  if (!node) return undefined;
  await vscode.env.clipboard.writeText(node.keyPair.fingerprint);
  void notify('info', `Copied the fingerprint of "${node.keyPair.name}" (${node.keyPair.fingerprint}).`);
  return node.keyPair.fingerprint;
}

/** Opens the key line in a read-only editor; resolves to its document. */
export async function openPublicKeyCommand(ctx: ManageContext, arg?: unknown): Promise<vscode.TextDocument | undefined> {
  const node = await resolveKeyPair(ctx, arg, { title: 'Open Public Key' });
  if (!node) return undefined;
  const file = `${node.keyPair.name.replace(/[/\\]/g, '_')}.pub`;
  const uri = vscode.Uri.from({ scheme: PUBLIC_KEY_SCHEME, path: `/${file}`, query: node.keyPair.publicKey.trim() });
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}

export async function revealPrivateKeyCommand(ctx: ManageContext, arg?: unknown): Promise<string | undefined> {
  const node = await resolveKeyPair(ctx, arg, { title: 'Reveal Private Key File', localOnly: true });
  if (!node) return undefined;
  if (!node.local) {
    void notify('info', `The private key of "${node.keyPair.name}" is not in ${displayPath(sshDirectory())}.`);
    return undefined;
  }
  await revealFile(node.local.privatePath);
  return node.local.privatePath;
}

/** Shows a file in the OS file manager (locally) or the Explorer (remote window, where the OS one is on the other side). */
export async function revealFile(file: string): Promise<void> {
  const uri = vscode.Uri.file(path.resolve(file));
  await vscode.commands.executeCommand(vscode.env.remoteName ? 'revealInExplorer' : 'revealFileInOS', uri);
}
