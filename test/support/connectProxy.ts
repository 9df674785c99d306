/**
 * A small HTTP proxy on 127.0.0.1 for tests: records the target of each CONNECT tunnel
 * (how undici's ProxyAgent goes through a proxy) and relays the bytes. Plain absolute-URL
 * requests (as other clients may send) are forwarded too.
 */
import * as http from 'node:http';
import * as net from 'node:net';

export interface ConnectProxy {
  url: string;
  /** `host:port` of each CONNECT tunnel opened, in order. */
  tunnels: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
  };
  const server = http.createServer((req, res) => {
    const target = new URL(req.url!);
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url!);
    const [host, port] = req.url!.split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(client);
    track(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    tunnels,
    close: async () => {
      sockets.forEach((s) => s.destroy());
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
