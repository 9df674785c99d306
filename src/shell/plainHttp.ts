/**
 * The shell's answer to HttpClient's `confirmPlainHttp`: before credentials or a token go over
 * plain http:// to a host that is not loopback, a modal warning names the risk. A "yes" holds
 * for that origin until VS Code closes; a "no" (or a dismissed dialog) is asked again at the
 * next call, and calls made while the dialog is open share its answer.
 */
import * as vscode from 'vscode';

const SEND = 'Send over http';
const approved = new Set<string>();
const pending = new Map<string, Promise<boolean>>();

export function confirmPlainHttp(origin: string): Promise<boolean> {
  if (approved.has(origin)) return Promise.resolve(true);
  let answer = pending.get(origin);
  if (!answer) {
    answer = ask(origin).then((yes) => {
      pending.delete(origin);
      if (yes) approved.add(origin);
      return yes;
    });
    pending.set(origin, answer);
  }
  return answer;
}

async function ask(origin: string): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(
    `Send your credentials to ${origin} unencrypted?`,
    {
      modal: true,
      detail:
        'This address uses plain http://, not https://. Your password, API key or token would cross the ' +
        'network in clear text: anyone on the way (the Wi-Fi, a proxy, the provider) could read it and use ' +
        'your cloud account. ' +
        'Continue only on a network you trust; otherwise cancel and use an https:// address. ' +
        'Your answer holds for this host until VS Code is closed.',
    },
    SEND,
  );
  return choice === SEND;
}
