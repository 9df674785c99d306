/**
 * The context of one run of a command (as vscode-azuretools gives each action its own
 * context): what the extension shares (`services`), how this run asks (`ui`) and tells
 * (`messages`), and `signal`, aborted when the extension is shut down. The command table
 * (./table.ts) builds one for every run; a handler passes it on to the helpers it calls.
 */
import type { Services } from '../services';
import type { Messages } from '../ui/notify';
import type { UserInput } from '../ui/userInput';

export interface CommandContext {
  readonly services: Services;
  readonly ui: UserInput;
  readonly messages: Messages;
  readonly signal: AbortSignal;
}

/** A run's context for `services` as they are now (the UserInput and message sink in use). */
export function newContext(services: Services): CommandContext {
  return { services, ui: services.ui, messages: services.messages, signal: services.newRunSignal() };
}
