/**
 * The wording of API failures: an ApiError (any kind, from the HTTP client, Identity or Compute)
 * as the sentence the user reads, naming where the failed address came from (the identity URL,
 * a signed-in account's service catalog, or the "keypairs.endpoint" setting) and what to do.
 */
import * as l10n from '../base/l10n';
import { ApiError, ApiErrorKind } from '../api/errors';
import { PagingError } from '../api/paging';
import { Described, OPEN_SETTING, PROXY_SETTING, SELECT_REGION, SET_TOKEN, SHOW_LOG, SIGN_IN } from './actions';

/**
 * What the shell knows about the target when an error is shown. Signed in (Rackspace Identity
 * or Keystone), the Compute endpoint comes from the account's service catalog (`catalog`):
 * the fix is to sign in again or pick another region, never the `keypairs.endpoint` setting,
 * which is only used with an API token (`setting`). Without a context, `setting` is assumed.
 */
export interface ErrorContext {
  endpointSource: 'setting' | 'catalog';
  /** The signed-in account as shown elsewhere, e.g. "demo (Rackspace, tenant 123456)". */
  account?: string;
  /** The account's region in use, e.g. "DFW". */
  region?: string;
}

/** Where the failed request's address came from, in the words of the messages. */
interface Origin {
  /** "Check the … setting" / "Check the identity URL …" / "It is the Compute endpoint of …". */
  check: string;
  /** A question or advice after a strange answer. */
  isItRight: string;
  /** What the user can do to fix the address. */
  fix: string[];
  /** The address, as the subject of a sentence. */
  address: string;
}

function originOf(url: string, context: ErrorContext | undefined): Origin {
  if (isIdentityRequest(url)) {
    return {
      check: l10n.t('Check the identity URL you signed in with'),
      isItRight: l10n.t('Is the identity URL you signed in with right?'),
      fix: [SIGN_IN],
      address: l10n.t('The identity URL'),
    };
  }
  if (context?.endpointSource === 'catalog') {
    const account = context.account ?? l10n.t('the signed-in account');
    const from = context.region
      ? l10n.t('This is the Compute endpoint of {0} in region {1}, from its service catalog', account, context.region)
      : l10n.t('This is the Compute endpoint of {0}, from its service catalog', account);
    return {
      check: l10n.t('{0}: select another region, or sign in again', from),
      isItRight: l10n.t('{0}. Select another region, or sign in again.', from),
      fix: [SELECT_REGION, SIGN_IN],
      address: l10n.t('The Compute endpoint in the service catalog of {0}', account),
    };
  }
  return {
    check: l10n.t('Check the "keypairs.endpoint" setting'),
    isItRight: l10n.t('Is "keypairs.endpoint" right?'),
    fix: [OPEN_SETTING],
    address: l10n.t('"keypairs.endpoint"'),
  };
}

/** The host of `url`, or a neutral word. */
export function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return l10n.t('the server');
  }
}

/** True for the sign-in request (Rackspace `…/v2.0/tokens`, Keystone `…/v3/auth/tokens`). */
function isIdentityRequest(url: string): boolean {
  try {
    return /\/(v2\.0\/tokens|v3\/auth\/tokens)$/.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/**
 * The user-facing sentence for an API failure, and what can be done about it. `context` says
 * where the Compute endpoint came from (see ErrorContext); a sign-in request is recognised by
 * its URL.
 */
export function describeApiError(err: ApiError, context?: ErrorContext): Described {
  // A sign-in failure is about the identity URL; a signed-in account's Compute endpoint comes
  // from its catalog; only with an API token is it the "keypairs.endpoint" setting.
  const identity = isIdentityRequest(err.url);
  const catalog = !identity && context?.endpointSource === 'catalog';
  const origin = originOf(err.url, context);
  return {
    message: apiMessage(err, context, { identity, catalog, origin }),
    actions: apiActions(err.kind, catalog, origin.fix),
  };
}

/** What can be done about each kind of failure: the buttons beside its sentence. */
function apiActions(kind: ApiErrorKind, catalog: boolean, fixWhere: string[]): string[] {
  switch (kind) {
    case 'bad-request':
    case 'forbidden':
    case 'quota':
    case 'not-found':
    case 'conflict':
    case 'rate-limited':
    case 'unavailable':
    case 'cancelled':
      return [];
    case 'unauthorized':
      // A catalog's token refused right after signing in again: maybe the region.
      return catalog ? [SIGN_IN, SELECT_REGION] : [SIGN_IN, SET_TOKEN];
    case 'endpoint-not-found':
    case 'method-not-allowed':
    case 'unsupported-media-type':
    case 'connection-refused':
    case 'dns':
    case 'response-too-large':
    case 'invalid-endpoint':
    case 'insecure-transport':
      return fixWhere;
    case 'not-acceptable':
    case 'server-error':
    case 'unexpected-status':
    case 'timeout':
    case 'tls':
    case 'connection-lost':
      return [SHOW_LOG];
    case 'bad-response':
      return [...fixWhere, SHOW_LOG];
    case 'proxy-auth':
      return [PROXY_SETTING];
    case 'proxy-refused':
      return [PROXY_SETTING, SHOW_LOG];
  }
}

/** The sentence for an API failure (see describeApiError). */
function apiMessage(
  err: ApiError,
  context: ErrorContext | undefined,
  { identity, catalog, origin }: { identity: boolean; catalog: boolean; origin: Origin },
): string {
  const at = host(err.url);
  const { check, isItRight, address } = origin;
  const server = err.serverMessage ? `: ${err.serverMessage}` : '.';
  const later =
    err.retryAfterSeconds !== undefined
      ? l10n.t(' Try again in {0}.', formatSeconds(err.retryAfterSeconds))
      : l10n.t(' Try again later.');
  switch (err.kind) {
    case 'bad-request':
      return l10n.t('The server rejected the request{0}', server);
    case 'unauthorized':
      if (catalog) {
        // The client signed in again after the first 401 and was refused again.
        return l10n.t(
          '{0} refused the token from signing in to {1} (401), also right after signing in again. Sign in again; if this keeps happening, the account may have no access to Compute in this region.',
          at,
          context?.account ?? l10n.t('your account'),
        );
      }
      return l10n.t(
        '{0} rejected the credentials (401): the token may have expired. Sign in again, or set a new API token.',
        at,
      );
    case 'forbidden':
      return l10n.t('Not allowed by {0} (403){1}', at, server);
    case 'quota':
      return l10n.t(
        'Your key pair quota is used up{0} Delete key pairs you no longer need, or ask for a higher quota.',
        server,
      );
    case 'endpoint-not-found':
    case 'method-not-allowed':
      return l10n.t(
        '{0} has no {1} at this address ({2}). {3}.',
        at,
        identity ? l10n.t('identity service') : l10n.t('Compute key pairs API'),
        err.status,
        check,
      );
    case 'not-found':
      return l10n.t('Not found on {0}{1}', at, server);
    case 'conflict':
      return describeConflict(err, at);
    case 'rate-limited':
      return l10n.t('{0} is limiting requests ({1}).{2}', at, err.status, later);
    case 'unsupported-media-type':
      return l10n.t(
        '{0} refused the request format (415). {1}',
        at,
        identity || catalog ? isItRight : l10n.t('Is "keypairs.endpoint" a Compute API?'),
      );
    case 'not-acceptable':
      return l10n.t('{0} does not support the API version requested (406){1}', at, server);
    case 'server-error':
      return l10n.t('{0} failed to handle the request ({1}){2}{3}', at, err.status, server, later);
    case 'unavailable':
      return l10n.t('The {0} service at {1} is unavailable (503).{2}', identity ? 'identity' : 'Compute', at, later);
    case 'unexpected-status':
      return l10n.t('{0} answered with an unexpected status {1}{2}', at, err.status, server);
    case 'timeout':
      return l10n.t('{0} did not answer in time. Check your network or try again.', at);
    case 'connection-refused':
      return l10n.t('Could not connect to {0}: the connection was refused. {1}.', at, check);
    case 'dns':
      return catalog
        ? l10n.t('The host {0} could not be found. Check your network. {1}.', at, check)
        : l10n.t('The host {0} could not be found. {1} and your network.', at, check);
    case 'tls':
      return (
        l10n.t('A secure connection to {0} could not be made ({1}). ', at, err.code) +
        l10n.t('Its certificate is not trusted or does not match; nothing was sent.') +
        trustedText(err)
      );
    case 'connection-lost':
      return l10n.t('The connection to {0} broke before the answer was complete.', at);
    case 'bad-response':
      return (
        l10n.t(
          '{0} sent an answer that is not what the {1} sends ',
          at,
          identity ? l10n.t('identity service') : l10n.t('Compute API'),
        ) + `(${err instanceof PagingError ? pagingText(err) : (err.code ?? l10n.t('unreadable'))}). ${isItRight}`
      );
    case 'response-too-large':
      return l10n.t('{0} sent an answer larger than 1 MB; it was not read. {1}', at, isItRight);
    case 'cancelled':
      return l10n.t('Cancelled.');
    case 'invalid-endpoint':
      return l10n.t('{0} is not an http:// or https:// URL.', address);
    case 'insecure-transport':
      return (
        l10n.t('Nothing was sent to {0}: it is reached over plain http://, which would send your ', at) +
        l10n.t(
          '{0} unencrypted for anyone on the network to read. ',
          identity ? l10n.t('password, API key or secret') : l10n.t('token'),
        ) +
        (catalog
          ? l10n.t('The service catalog of {0} lists this address; ', context?.account ?? l10n.t('your account')) +
            l10n.t('select another region, or ask the cloud operator for an https:// endpoint.')
          : l10n.t(
              'Use an https:// address{0}.',
              identity ? l10n.t(' when you sign in') : l10n.t(' in "keypairs.endpoint"'),
            ))
      );
    case 'proxy-auth':
      return err.proxyCredentialsSent
        ? l10n.t(
            'The proxy at {0} refused the credentials it was given (407); nothing was sent to {1}. ',
            proxyName(err),
            at,
          ) + l10n.t('Check the user and password in the "http.proxy" setting or "http.proxyAuthorization".')
        : l10n.t('The proxy at {0} asks for credentials (407); nothing was sent to {1}. ', proxyName(err), at) +
            l10n.t(
              'Set them in the "http.proxy" setting (http://user:password@host:port) or in "http.proxyAuthorization".',
            );
    case 'proxy-refused':
      return (
        l10n.t('The proxy at {0} did not connect to {1} (it answered {2}). ', proxyName(err), at, err.status) +
        l10n.t('Check the "http.proxy" and "http.noProxy" settings, or ask your network administrator.')
      );
  }
}

/** The proxy's `host:port` as the error names it (it never holds user info), or a neutral word. */
function proxyName(err: ApiError): string {
  return err.proxy ?? l10n.t('(unknown address)');
}

/** True for a create or import of a key pair: `POST …/os-keypairs`. */
function isKeyPairCreate(err: ApiError): boolean {
  try {
    return err.method === 'POST' && /\/os-keypairs$/.test(new URL(err.url).pathname);
  } catch {
    return false;
  }
}

/** A 409: for a key pair create, the name is taken; else the server's state does not allow it now. */
function describeConflict(err: ApiError, at: string): string {
  if (isKeyPairCreate(err)) {
    return l10n.t('A key pair with this name already exists on {0} (409). Choose another name.', at);
  }
  const said = err.serverMessage ? l10n.t(' It said: {0}', err.serverMessage) : '';
  return (
    l10n.t('{0} refused the request because of the current state of what it acts on (409).{1} ', at, said) +
    l10n.t('Wait for that to change, or change it, and try again.')
  );
}

/** " Trusted: 144 certificates built into Node.js, 140 from the system store (/etc/…)." or "". */
function trustedText(err: ApiError): string {
  if (!err.certificateSources?.length) return '';
  const parts = err.certificateSources.map((s) => {
    switch (s.source) {
      case 'bundled':
        return l10n.t('{0} certificates built into Node.js', s.count);
      case 'system':
        return l10n.t('{0} from the system store ({1})', s.count, s.path);
      case 'env':
        return l10n.t('{0} from NODE_EXTRA_CA_CERTS ({1})', s.count, s.path);
      case 'setting':
        return l10n.t('{0} from the certificate files in settings', s.count);
      case 'cloud':
        return l10n.t("{0} from the cloud's cacert ({1})", s.count, s.path ?? '');
    }
  });
  return ` Trusted: ${parts.join(', ')}.`;
}

/** Why a paged list was given up, in the words of a `bad-response` message. */
function pagingText(err: PagingError): string {
  switch (err.problem) {
    case 'page-repeated':
      return l10n.t('the same page came again: the server ignores "marker"');
    case 'marker-stuck':
      return l10n.t('the next page starts where the last one did: the server ignores "marker"');
    case 'too-many-pages':
      return l10n.t('the list did not end after {0} pages', err.pages);
    case 'too-many-items':
      return l10n.t('the list holds more than {0} items', err.items);
  }
}

function formatSeconds(s: number): string {
  return s < 90 ? `${s} s` : l10n.t('{0} min', Math.ceil(s / 60));
}
