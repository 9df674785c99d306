/**
 * The name → conflict → ask-again loop of Create and Import: ask for a name (validated as
 * typed), submit it; when the server says the name is taken (409), ask again with the
 * name kept and the server's words as the box's error.
 */
import * as l10n from '../../core/base/l10n';
import { ComputeClient } from '../../core/api/compute';
import { ApiError } from '../../core/api/errors';
import { showError } from '../messages';
import { Services } from '../services';

export interface NameLoop<T> {
  compute: ComputeClient;
  title: string;
  /** The name offered first. */
  value?: string;
  /** The SSH folder the key files go to (its file names are refused); omit when none are saved. */
  sshDirectory?: string;
  microversion?: string;
  /** Sends the name; throws ApiError 'conflict' when it is taken. */
  submit(name: string): PromiseLike<T>;
}

/**
 * The name accepted and what `submit` returned, or undefined when the user cancelled.
 * Errors other than a conflict propagate with the name (`NamedFailure`).
 */
export async function askNameAndSubmit<T>(
  services: Services,
  loop: NameLoop<T>,
): Promise<{ name: string; result: T } | undefined> {
  let value = loop.value;
  let error: string | undefined;
  for (;;) {
    let name: string | undefined;
    try {
      name = await services.ui.keyPairName({
        title: loop.title,
        value,
        error,
        sshDirectory: loop.sshDirectory,
        microversion: loop.microversion,
        loadNames: async (signal) => (await loop.compute.listAll({ signal })).map((k) => k.name),
      });
    } catch (err) {
      void showError(services.messages, err, l10n.t('Reading your key pairs'));
      return undefined;
    }
    if (name === undefined) return undefined;
    try {
      return { name, result: await loop.submit(name) };
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'conflict') {
        // Taken meanwhile (or by another client): ask again, with the server's words.
        value = name;
        error = err.serverMessage ?? l10n.t('A key pair named "{0}" already exists.', name);
        continue;
      }
      throw new NamedFailure(name, err);
    }
  }
}

/** `submit` failed for the name `keyPairName` (not a conflict). */
export class NamedFailure extends Error {
  constructor(
    readonly keyPairName: string,
    readonly reason: unknown,
  ) {
    super(`submitting "${keyPairName}" failed`);
    this.name = 'NamedFailure';
  }
}

/**
 * The server's microversion, which decides the name rules; undefined (after showing why)
 * when the server could not be asked.
 */
export async function readMicroversion(
  services: Services,
  compute: ComputeClient,
): Promise<{ microversion: string | undefined } | undefined> {
  try {
    return { microversion: (await compute.version()).microversion };
  } catch (err) {
    void showError(services.messages, err, l10n.t('Reading your key pairs'));
    return undefined;
  }
}
