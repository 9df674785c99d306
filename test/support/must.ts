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
