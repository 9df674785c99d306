/**
 * A small HTTP proxy on 127.0.0.1 for tests: records the target of each CONNECT tunnel
 * (how undici's ProxyAgent goes through a proxy) and relays the bytes. Plain absolute-URL
 * requests (as other clients may send) are forwarded too. With `credentials`, it asks for
 * Basic proxy authentication as corporate proxies do: a request without the right
 * `Proxy-Authorization` gets 407 and is not relayed.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

export interface ConnectProxyOptions {
  /** Required Basic credentials; without them every request is relayed. */
  credentials?: { user: string; password: string };
  /** Answer every admitted CONNECT with this status instead of opening the tunnel (e.g. 403 by policy). */
  connectStatus?: number;
  /**
   * Open every tunnel to this address instead of the host asked for. VS Code never proxies
   * `localhost` or 127.0.0.1, so host tests name the emulator 127.0.0.2 and the proxy takes
   * the bytes to 127.0.0.1: nothing but 127.0.0.1 is ever contacted.
   */
  relayTo?: string;
  /** Listen with TLS (an `https://` proxy, as some companies run) with this key and certificate. */
  tls?: { key: Buffer; cert: Buffer };
}

export interface ConnectProxy {
  url: string;
  /** `host:port` of each CONNECT tunnel opened, in order. */
  tunnels: string[];
  /** The `Proxy-Authorization` header of each request (CONNECT or plain), in order; undefined when absent. */
  authorizations: (string | undefined)[];
  /** Requests answered 407 (missing or wrong credentials). */
  refused: number;
  close(): Promise<void>;
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const sockets = new Set<net.Socket>();
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`
    : undefined;
  /** Records the request's credentials; true when it may pass. */
  const admitted = (req: http.IncomingMessage): boolean => {
    const given = req.headers['proxy-authorization'];
    authorizations.push(given);
    const ok = expected === undefined || given === expected;
    if (!ok) proxy.refused++;
    return ok;
  };
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!admitted(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"', 'content-length': '0' });
      res.end();
      return;
    }
    const target = new URL(req.url!);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const up = http.request(
      {
        host: options.relayTo ?? target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers,
      },
      (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    if (!admitted(req)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\n' +
          'Content-Length: 0\r\n\r\n',
      );
      return;
    }
    if (options.connectStatus !== undefined) {
      client.end(`HTTP/1.1 ${options.connectStatus} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    tunnels.push(req.url!);
    const [host, port] = req.url!.split(':');
    const upstream = net.connect(Number(port), options.relayTo ?? host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy: ConnectProxy = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    tunnels,
    authorizations,
    refused: 0,
    close: async () => {
      sockets.forEach((s) => s.destroy());
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  return proxy;
}
