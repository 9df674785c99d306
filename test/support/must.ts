// Checked access for test and bench code under noUncheckedIndexedAccess: where a test knows an
// element, a regex group or an argument must be there, it says so with `must(value, what)`.
// If it is not there, the test fails with an assertion naming what was missing, instead of
// carrying `undefined` on to a confusing failure further down (or a `!` that hides it).
import { AssertionError } from 'node:assert';

/** `value`, or an AssertionError "expected <what>" when it is undefined. */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new AssertionError({ message: `expected ${what}, found nothing`, actual: value, operator: 'must' });
  }
  return value;
}

/** `regex.exec(text)`'s group `index` (default 1), or an AssertionError quoting the text. */
export function group(regex: RegExp, text: string, index = 1): string {
  const match = regex.exec(text);
  if (!match) throw new AssertionError({ message: `expected ${regex} to match ${JSON.stringify(text)}` });
  return must(match[index], `group ${index} of ${regex} in ${JSON.stringify(text)}`);
}

/** A tuple of `count` elements of `T` (for `exactly`). */
export type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [...R, T]>;

/** `list` as a tuple of exactly `count` elements, or an AssertionError giving what it holds. */
export function exactly<T, N extends number>(list: readonly T[], count: N, what: string): Tuple<T, N> {
  if (list.length !== count) {
    throw new AssertionError({
      message: `expected ${count} ${what}, found ${list.length}`,
      actual: list.length,
      expected: count,
      operator: 'exactly',
    });
  }
  return [...list] as Tuple<T, N>;
}
