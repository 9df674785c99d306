/**
 * The key pair a view command acts on: the node it was invoked on, else the user's pick
 * among the account's key pairs (those the view has loaded when it has all of them).
 */
import * as l10n from '../../core/base/l10n';
import { readKeyPairNodes } from '../../core/flows/inventory';
import { KeyPairNode, isKeyPairNode } from '../../core/flows/keyPairList';
import { displayPath } from '../../core/keys/keyFiles';
import { showError } from '../messages';
import { Services } from '../services';
import { sshDirectory } from '../settings';
import { withCancellableProgress } from '../ui/progress';
import { BACK } from '../ui/userInput';
import { ensureSetup } from './setup';

/** Only those with a local private key when `localOnly`. */
export async function pickKeyPair(
  services: Services,
  arg: unknown,
  options: { title: string; localOnly?: boolean },
): Promise<KeyPairNode | undefined> {
  if (isKeyPairNode(arg)) return arg;
  const compute = await ensureSetup(services);
  if (!compute) return undefined;
  const dir = sshDirectory();
  let nodes = await services.keyPairList?.completeList();
  if (!nodes) {
    try {
      nodes = await withCancellableProgress(l10n.t('Loading key pairs…'), (signal) =>
        readKeyPairNodes(compute, dir, signal),
      );
    } catch (err) {
      void showError(services.messages, err, l10n.t('Loading key pairs'));
      return undefined;
    }
  }
  if (options.localOnly) nodes = nodes.filter((n) => n.local);
  if (nodes.length === 0) {
    void services.messages.show(
      'info',
      options.localOnly
        ? l10n.t('None of your key pairs has its private key in {0}.', displayPath(dir))
        : l10n.t('There are no key pairs in this account yet.'),
    );
    return undefined;
  }
  const picked = await services.ui.pick({
    title: options.title,
    placeholder: l10n.t('Choose a key pair'),
    matchOnDescription: true,
    items: nodes.map((node) => ({
      label: node.keyPair.name,
      description: node.keyPair.fingerprint,
      detail: node.local ? l10n.t('Private key: {0}', displayPath(node.local.privatePath)) : undefined,
      value: node,
    })),
  });
  return picked === BACK ? undefined : picked;
}
