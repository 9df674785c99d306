/**
 * The one exception to "the core never words a message" (see src/core/wording/errorText.ts): an error
 * whose `message` is written for the user. Its text is plain English, names no secret
 * (constructors redact what they are given) and says what happened to the user's input or
 * files, so the shell may show it as it is. Every other error is worded by errorText from
 * its kind and data; an error that is neither is never shown raw.
 */
export abstract class UserSafeError extends Error {
  readonly userSafe = true;
}

/**
 * A {@link UserSafeError} with a typed reason that callers branch on (`err.code === 'no-agent'`);
 * `message` is the user's sentence for it.
 */
export abstract class CodedUserSafeError<Code extends string> extends UserSafeError {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}
