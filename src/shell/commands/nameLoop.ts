/**
 * The name → conflict → ask-again loop of Create, Import and Rotate: ask for a name (validated
 * as typed), submit it; when the server says the name is taken (409), ask again with the
 * name kept and the server's words as the box's error. As a `runSteps` step, its Back goes to
 * the step before (Create's passphrase).
 */
import * as vscode from 'vscode';
import { ComputeClient } from '../../core/api/compute';
import { ApiError } from '../../core/api/errors';
import { BACK, Back, runSteps, Step, StepPosition, shownPosition } from '../../core/ask/wizard';
import { passphraseSteps, PassphraseState } from '../../core/ask/passphrase';
import { createKeyPair, CreateKeyPairOptions, CreateKeyPairResult } from '../../core/flows/createKeyPair';
import { encryptPrivateKey } from '../../core/keys/opensshKey';
import { log } from '../log';
import { askPassphrase, keyGeneration } from '../settings';
import { withCancellableProgress } from '../ui/progress';
import { showError } from '../messages';
import { CommandContext } from './context';

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
  /** Where the box stands among its flow's steps (from step 2 on, Back). */
  position?: StepPosition;
}

/** What the loop gives: the name accepted and what `submit` returned. */
export interface Named<T> {
  name: string;
  result: T;
}

/**
 * The name accepted and what `submit` returned; BACK when the box went Back, undefined when
 * the user cancelled. Errors other than a conflict propagate with the name (`NamedFailure`).
 */
export async function askNameAndSubmit<T>(
  ctx: CommandContext,
  loop: NameLoop<T>,
): Promise<Named<T> | Back | undefined> {
  let value = loop.value;
  let error: string | undefined;
  for (;;) {
    let name: string | Back | undefined;
    try {
      name = await ctx.ui.keyPairName({
        title: loop.title,
        ...(loop.position ? shownPosition(loop.position) : {}),
        value,
        error,
        sshDirectory: loop.sshDirectory,
        microversion: loop.microversion,
        loadNames: async (signal) => (await loop.compute.listAll({ signal })).map((k) => k.name),
      });
    } catch (err) {
      void showError(ctx.messages, err, vscode.l10n.t('Reading your key pairs'));
      return undefined;
    }
    if (name === undefined || name === BACK) return name;
    try {
      return { name, result: await loop.submit(name) };
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'conflict') {
        // Taken meanwhile (or by another client): ask again, with the server's words.
        value = name;
        error = err.serverMessage ?? vscode.l10n.t('A key pair named "{0}" already exists.', name);
        continue;
      }
      throw new NamedFailure(name, err);
    }
  }
}

/** The loop as the last `runSteps` step: what it gives goes to `done`. */
export function nameStep<S, T>(
  ctx: CommandContext,
  loop: NameLoop<T>,
  done: (state: S, named: Named<T>) => void,
): Step<S> {
  return async (state, position) => {
    const named = await askNameAndSubmit(ctx, { ...loop, position });
    if (named === undefined || named === BACK) return named;
    done(state, named);
    return 'next';
  };
}

/**
 * The questions for a new pair (Create, Rotate): its passphrase when keypairs.passphrase asks
 * (typed twice; empty for none), then the name loop, which `submit`s the name with the
 * passphrase; Back from the name box goes to the passphrase. Undefined when cancelled.
 */
export async function askNewPair<T>(
  ctx: CommandContext,
  loop: Omit<NameLoop<T>, 'submit' | 'position'> & { submit(name: string, passphrase?: string): PromiseLike<T> },
): Promise<{ named: Named<T>; passphrase?: string } | undefined> {
  const state: PassphraseState & { named?: Named<T> } = askPassphrase() ? {} : { passphrase: '' };
  const name = nameStep<typeof state, T>(
    ctx,
    { ...loop, submit: (n) => loop.submit(n, state.passphrase || undefined) },
    (s, named) => (s.named = named),
  );
  const steps = (s: typeof state) => (askPassphrase() ? [...passphraseSteps(ctx.ui, loop.title, s), name] : [name]);
  if (!(await runSteps(steps, state)) || !state.named) return undefined;
  return { named: state.named, ...(state.passphrase ? { passphrase: state.passphrase } : {}) };
}

/**
 * Creates the pair `name` (Create's and Rotate's submit) under a cancellable progress: the
 * key generated as keypairs.keyGeneration says, its private key protected by `passphrase`
 * when there is one; `more` adds the caller's own options (key type, rescue).
 */
export function createWithProgress(
  base: { compute: ComputeClient; name: string; sshDirectory: string; passphrase?: string; where?: string },
  more: Pick<CreateKeyPairOptions, 'rescue'> & Partial<CreateKeyPairOptions>,
): Thenable<CreateKeyPairResult> {
  const { name, passphrase } = base;
  return withCancellableProgress(vscode.l10n.t('Creating key pair "{0}"{1}…', name, base.where ?? ''), (signal) =>
    createKeyPair({
      compute: base.compute,
      name,
      sshDirectory: base.sshDirectory,
      generation: keyGeneration(),
      passphrase,
      protectPrivateKey: passphrase ? (text) => encryptPrivateKey(text, passphrase, name) : undefined,
      signal,
      log: (line) => log.info(line),
      ...more,
    }),
  );
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
  ctx: CommandContext,
  compute: ComputeClient,
): Promise<{ microversion: string | undefined } | undefined> {
  try {
    return { microversion: (await compute.version()).microversion };
  } catch (err) {
    void showError(ctx.messages, err, vscode.l10n.t('Reading your key pairs'));
    return undefined;
  }
}
