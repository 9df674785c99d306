/**
 * Multi-step inputs: `runSteps(steps, state)` runs a flow's steps in order with Back, each
 * step reading and writing its own field of the flow's typed state. Sign In and Add to SSH
 * Config use it; so must every new multi-step flow (Connect, Rotate). No `vscode` import (the
 * shell's UserInput is passed in as a StepInput), so it is unit-tested in plain Node.
 */
/** The answer of a step whose Back button was pressed. */
export const BACK = '\u0000back';
export type Back = typeof BACK;

export interface InputStep {
  title: string;
  /** Where the step stands in a multi-step input; omitted for a single box. */
  step?: number;
  totalSteps?: number;
  prompt: string;
  placeholder?: string;
  value?: string;
  password?: boolean;
  /** Problem with a value, or undefined when it is fine. */
  validate?: (value: string) => string | undefined;
  /** Shown until the user types. */
  error?: string;
  /**
   * Checked on Enter while the box stays open and busy (e.g. signing in): a message
   * returned is shown as the box's error and the user stays on this step.
   */
  check?: (value: string, signal: AbortSignal) => Promise<string | undefined>;
}

/** An item of a step's pick (the shell's QuickPick items are a superset). */
export interface StepItem<T> {
  label: string;
  description?: string;
  detail?: string;
  picked?: boolean;
  alwaysShow?: boolean;
  value: T;
}

/** What a step's pick shows. */
export interface StepPick<T> {
  title: string;
  step?: number;
  totalSteps?: number;
  placeholder: string;
  items: Array<StepItem<T>>;
  active?: T;
}

/** The part of the shell's UserInput that steps ask through (so steps run in plain Node). */
export interface StepInput {
  /** One box; BACK when its Back button was pressed, undefined when cancelled. */
  input(step: InputStep): Promise<string | Back | undefined>;
  /** One pick; the value of the item picked, BACK, or undefined when cancelled. */
  pick<T>(step: StepPick<T>): Promise<T | Back | undefined>;
}

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
  ui: StepInput,
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
  items: Array<StepItem<T>>;
}

/** A step picking one of `items` into `state[field]`. */
export function pickStep<K extends string, T, S extends Partial<Record<K, T>>>(
  ui: StepInput,
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
