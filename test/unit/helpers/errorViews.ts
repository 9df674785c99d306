/** Every place an error's text can reach: its message, String(), JSON, stack, what the user is shown, the log. */
import { describeError } from '../../../src/core/wording/errorText';

export function errorViews(err: Error, logLines: readonly string[] = []): Record<string, string> {
  return {
    message: err.message,
    'String(err)': String(err),
    'JSON.stringify(err)': JSON.stringify(err),
    stack: err.stack ?? '',
    'shown to the user': describeError(err).message,
    log: logLines.join('\n'),
  };
}
