/**
 * Rotate's server pick as a `runSteps` step (../../ask/wizard.ts): every server of the old
 * pair checked, except those whose login user is unknown; an item's Edit button asks for its
 * login user and comes back to the pick with the checks kept; a server checked without a user
 * is asked for one before the pick is accepted. Pure core: the shell passes its UserInput.
 */
import { BACK, Back, Step, StepInputMany, StepPosition, shownPosition } from '../../ask/wizard';
import * as l10n from '../../base/l10n';
import { plainLabel } from '../../base/plainText';
import { describeAddress } from '../../servers/addresses';
import { validateLoginUser } from '../connect';
import type { RotationServer } from './run';

/** The pick's answers: the login user of each server (by id), the servers checked, and the result. */
export interface ServerPickState {
  users: Map<string, string>;
  checked: Set<string>;
  /** Set when the pick was accepted: the servers checked, each with its login user. */
  chosen?: RotationServer[];
}

/** The state a pick of `usable` starts from: known users kept, servers without a user unchecked. */
export function serverPickState(usable: readonly RotationServer[]): ServerPickState {
  return {
    users: new Map(usable.map((c): [string, string] => [c.id, c.target.user ?? ''])),
    checked: new Set(usable.filter((c) => c.target.user !== '').map((c) => c.id)),
  };
}

/** The pick's item for a server: its name, `user@address` and the kind of address. */
export function serverPickItem(server: RotationServer, state: ServerPickState) {
  const user = state.users.get(server.id) ?? '';
  const where = server.address ? describeAddress(server.address) : server.target.host;
  return {
    label: plainLabel(server.name),
    description: plainLabel(user ? `${user}@${where}` : where),
    detail: user ? undefined : l10n.t('Login user unknown: use the Edit button to set it.'),
    picked: state.checked.has(server.id),
    value: server.id,
  };
}

/** The step that picks the servers to give the new key into `state.chosen` (see the file comment). */
export function serverPickStep(
  ui: StepInputMany,
  usable: readonly RotationServer[],
  title: string,
): Step<ServerPickState> {
  return async (state: ServerPickState, position: StepPosition): Promise<'next' | Back | undefined> => {
    /** The login user box for one server; false when it was left with Escape or Back (the user unchanged). */
    const askUser = async (server: RotationServer): Promise<boolean> => {
      const user = await ui.input({
        title,
        prompt: l10n.t('User to log in as on {0} ({1})', server.name, server.target.host),
        value: state.users.get(server.id),
        validate: validateLoginUser,
      });
      if (user === undefined || user === BACK) return false;
      state.users.set(server.id, user.trim());
      return true;
    };
    for (;;) {
      const answer = await ui.pickMany<string>({
        title,
        ...shownPosition(position),
        placeholder: l10n.t('Servers to give the new key (the old key is removed there once the new one logs in)'),
        items: usable.map((c) => serverPickItem(c, state)),
        itemButton: { icon: 'edit', tooltip: l10n.t('Change the login user') },
      });
      if (answer === undefined || answer === BACK) return answer;
      state.checked = new Set(answer.selected);
      const pressed = usable.find((c) => c.id === answer.pressed);
      if (pressed) {
        await askUser(pressed);
        continue;
      }
      // Accepted: a checked server without a user gets one first (Escape: back to the pick).
      let complete = true;
      for (const c of usable.filter((s) => state.checked.has(s.id) && !state.users.get(s.id))) {
        if (!(await askUser(c))) {
          complete = false;
          break;
        }
      }
      if (complete) {
        state.chosen = usable
          .filter((c) => state.checked.has(c.id))
          .map((c) => ({ ...c, target: { ...c.target, user: state.users.get(c.id) ?? '' } }));
        return 'next';
      }
    }
  };
}
