// Minimal HTTP client for emulator tests: one fresh connection per request (no pooling), so
// stall/reset faults are observable exactly. Not used by the emulator itself.
import * as http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read any JSON shape
  json<T = any>(): T;
}

export interface RawRequestOptions {
  headers?: Record<string, string>;
  body?: string | object;
  /** Abort the whole exchange after this many ms (default 10000). */
  timeoutMs?: number;
  /** Resolve as soon as the status line and headers arrived (body: ''). */
  headersOnly?: boolean;
}

export class RawHttpError extends Error {
  constructor(
    message: string,
    readonly phase: 'before-headers' | 'body' | 'timeout-before-headers' | 'timeout-body',
    readonly status?: number,
    readonly partialBody?: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function rawRequest(method: string, url: string, opts: RawRequestOptions = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json';
  }
  const timeoutMs = opts.timeoutMs ?? 10000;
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      if (opts.headersOnly) {
        settle(() => resolve(makeResponse(status!, res.headers, '')));
        res.destroy();
        return;
      }
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        settle(() => resolve(makeResponse(status!, res.headers, text)));
      });
      res.on('error', (err: NodeJS.ErrnoException) =>
        settle(() =>
          reject(new RawHttpError(err.message, 'body', status, Buffer.concat(chunks).toString('utf8'), err.code)),
        ),
      );
      res.on('aborted', () =>
        settle(() =>
          reject(new RawHttpError('aborted', 'body', status, Buffer.concat(chunks).toString('utf8'), 'ECONNRESET')),
        ),
      );
    });
    const timer = setTimeout(() => {
      settle(() =>
        reject(
          new RawHttpError(
            'timeout',
            status === undefined ? 'timeout-before-headers' : 'timeout-body',
            status,
            Buffer.concat(chunks).toString('utf8'),
          ),
        ),
      );
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      settle(() =>
        reject(
          new RawHttpError(
            err.message,
            status === undefined ? 'before-headers' : 'body',
            status,
            status === undefined ? undefined : Buffer.concat(chunks).toString('utf8'),
            err.code,
          ),
        ),
      ),
    );
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

function makeResponse(status: number, headers: http.IncomingHttpHeaders, body: string): RawResponse {
  return {
    status,
    headers,
    body,
    json() {
      return JSON.parse(body);
    },
  };
}
