/**
 * Multi-step inputs: `runSteps(steps, state)` runs a flow's steps in order with Back, each
 * step reading and writing its own field of the flow's typed state. Sign In and Add to SSH
 * Config use it; so must every new multi-step flow (Connect, Rotate). No `vscode` import at
 * run time (the UserInput is passed in), so it is unit-tested in plain Node.
 */
import type { InputStep, PickItem, UserInput } from './userInput';

/** The answer of a step whose Back button was pressed. */
export const BACK = '\u0000back';
export type Back = typeof BACK;

/** Where a step stands: "(2/4)" in its title. */
export interface StepPosition {
  step: number;
  totalSteps: number;
}

/** One step: asks, writes its answer into `state`; 'next', BACK, or undefined (cancelled). */
export type Step<S> = (state: S, position: StepPosition) => Promise<'next' | Back | undefined>;

/**
 * Runs the steps that `steps(state)` lists for the answers so far (an answer may change
 * what comes next), from the first to the last, Back going one step back. Resolves true
 * when the last step answered, false when the user cancelled.
 */
export async function runSteps<S>(steps: (state: S) => ReadonlyArray<Step<S>>, state: S): Promise<boolean> {
  for (let index = 0; ;) {
    const list = steps(state);
    const step = list[index];
    if (step === undefined) return true;
    const answer = await step(state, { step: index + 1, totalSteps: list.length });
    if (answer === undefined) return false;
    index = answer === BACK ? Math.max(0, index - 1) : index + 1;
  }
}

export interface TextStepSpec<S> extends Omit<InputStep, 'step' | 'totalSteps' | 'value' | 'check'> {
  /** Shown when the field is still empty. */
  default?: string;
  /** Runs on Enter with the state (this step's answer written): a message keeps the user here. */
  check?: (state: S, signal: AbortSignal) => Promise<string | undefined>;
}

/** A step asking for text into `state[field]` (trimmed). */
export function textStep<K extends string, S extends Record<K, string>>(
  ui: UserInput,
  field: K,
  spec: TextStepSpec<S>,
): Step<S> {
  return async (state, position) => {
    const answers: Record<K, string> = state;
    const { check, default: fallback, ...input } = spec;
    const value = await ui.input({
      ...input,
      ...position,
      value: answers[field] || fallback,
      check:
        check &&
        ((typed, signal) => {
          answers[field] = typed.trim();
          return check(state, signal);
        }),
    });
    if (value === undefined || value === BACK) return value;
    answers[field] = value.trim();
    return 'next';
  };
}

export interface PickStepSpec<T> {
  title: string;
  placeholder: string;
  items: Array<PickItem<T>>;
}

/** A step picking one of `items` into `state[field]`. */
export function pickStep<K extends string, T, S extends Partial<Record<K, T>>>(
  ui: UserInput,
  field: K,
  spec: PickStepSpec<T>,
): Step<S> {
  return async (state, position) => {
    const answers: Partial<Record<K, T>> = state;
    const value = await ui.pick<T>({ ...spec, ...position, active: answers[field] });
    if (value === undefined) return undefined;
    if (value === BACK) return BACK;
    answers[field] = value;
    return 'next';
  };
}
