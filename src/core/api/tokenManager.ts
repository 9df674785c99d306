/**
 * The token of a signed-in account: reused until shortly before it expires, renewed once
 * when Compute rejects it, and never fetched twice at the same time. No `vscode` import;
 * the shell passes a `credentials` reader over SecretStorage. Logs nothing itself.
 */
import type { TokenSource } from './compute';
import { ApiError, redactUrl } from './errors';
import { HttpClient } from './http';
import { AuthError, Credentials, Session, authenticate, tokensUrl } from './identity';
import * as l10n from '../base/l10n';

export interface TokenManagerOptions {
  http: HttpClient;
  /** The stored credentials, or undefined when signed out. Read at every sign-in. */
  credentials: () => Promise<Credentials | undefined>;
  /** Clock, ms since the epoch (tests). Default Date.now. */
  now?: () => number;
  /**
   * A token is renewed this long before it expires, or at half its lifetime when that is
   * sooner (a 60 s token is used for 30 s, not renewed before every call). Default 5 minutes.
   */
  skewMs?: number;
  /** Called with every new session (e.g. to refresh the region list and account label). */
  onSession?: (session: Session) => void;
  /** A session kept from before (e.g. in SecretStorage), reused while it is fresh. */
  initial?: Session;
}

export class TokenManager implements TokenSource {
  readonly canRenew = true;
  private current?: Session;
  /** When `current` arrived (the clock's ms): its lifetime is `expiresAt - receivedAt`. */
  private receivedAt = 0;
  private inflight?: SignIn;
  /** Bumped by clear(): a sign-in started before it is not kept. */
  private generation = 0;

  constructor(private readonly options: TokenManagerOptions) {
    this.current = options.initial;
    this.receivedAt = this.now();
  }

  /**
   * The token to send. With `rejected` equal to the current token (a 401), signs in again;
   * with an older one (already replaced), returns the current token.
   */
  async token(options: { rejected?: string; signal?: AbortSignal } = {}): Promise<string> {
    const s = this.current;
    if (s && options.rejected !== undefined && options.rejected === s.token) this.current = undefined;
    else if (s && this.fresh(s)) return s.token;
    return (await this.renew(options.signal)).token;
  }

  /** The current session (signing in if there is none or it expired), e.g. for the region list. */
  async session(signal?: AbortSignal): Promise<Session> {
    const s = this.current;
    return s && this.fresh(s) ? s : this.renew(signal);
  }

  /** Forgets the session (sign-out, or credentials changed). */
  clear(): void {
    this.current = undefined;
    this.inflight = undefined;
    this.generation++;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Fresh until min(skew, half its lifetime) before it expires. */
  private fresh(s: Session): boolean {
    const margin = Math.max(0, Math.min(this.options.skewMs ?? 5 * 60_000, (s.expiresAt - this.receivedAt) / 2));
    return s.expiresAt - margin > this.now();
  }

  /** Joins the sign-in in flight or starts one; `signal` cancels only this caller's wait. */
  private renew(signal?: AbortSignal): Promise<Session> {
    this.inflight ??= this.signIn();
    return abortable(this.inflight, signal);
  }

  private signIn(): SignIn {
    const generation = this.generation;
    const { http, credentials, onSession } = this.options;
    const job: SignIn = { url: 'identity', promise: Promise.resolve() as never };
    job.promise = (async () => {
      try {
        let creds: Credentials | undefined;
        try {
          creds = await credentials();
        } catch {
          // SecretStorage (the OS keychain) failed. Its error is not shown: its wording is
          // unknown and may quote what it was reading.
          throw new AuthError(
            'storage-unavailable',
            l10n.t(
              "Your sign-in could not be read from VS Code's secret storage (the system keychain). Unlock the keychain and try again, or sign in again.",
            ),
          );
        }
        if (!creds)
          throw new AuthError('signed-out', l10n.t('Not signed in. Sign in to Rackspace or OpenStack first.'));
        job.url = redactUrl(tokensUrl(creds));
        // Shared by every waiter, so no one caller's signal may cancel it; HttpClient's timeouts bound it.
        const session = await authenticate(http, creds);
        if (generation === this.generation) {
          this.current = session;
          this.receivedAt = this.now();
          try {
            onSession?.(session);
          } catch {
            // A listener's failure is not the sign-in's.
          }
        }
        return session;
      } finally {
        if (this.inflight === job) this.inflight = undefined;
      }
    })();
    return job;
  }
}

/** One sign-in in flight; `url` (redacted) names it in a cancel error. */
interface SignIn {
  promise: Promise<Session>;
  url: string;
}

/** Waits for the sign-in unless `signal` aborts first (then ApiError 'cancelled'). */
function abortable(job: SignIn, signal?: AbortSignal): Promise<Session> {
  if (!signal) return job.promise;
  const cancelled = () => new ApiError({ kind: 'cancelled', method: 'POST', url: job.url });
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    job.promise.then(
      (s) => (signal.removeEventListener('abort', onAbort), resolve(s)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
