/** Key Pairs: Reveal Private Key File — see ../ui/reveal for what a Remote window gets. */
import * as l10n from '../../core/base/l10n';
import { displayPath } from '../../core/keys/keyFiles';
import { Services } from '../services';
import { sshDirectory } from '../settings';
import { revealFile } from '../ui/reveal';
import { pickKeyPair } from './pickKeyPair';

export async function revealPrivateKeyCommand(services: Services, arg?: unknown): Promise<string | undefined> {
  const node = await pickKeyPair(services, arg, { title: l10n.t('Reveal Private Key File'), localOnly: true });
  if (!node) return undefined;
  if (!node.local) {
    void services.messages.show(
      'info',
      l10n.t('The private key of "{0}" is not in {1}.', node.keyPair.name, displayPath(sshDirectory())),
    );
    return undefined;
  }
  await revealFile(services.messages, node.local.privatePath);
  return node.local.privatePath;
}
