import { Agent, createServer, type IncomingHttpHeaders, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { type AddressInfo, Socket } from 'node:net';

/** The five distributed services, in the order they are started. */
export const SERVICE_NAMES = ['booking', 'signalling', 'recording', 'replay-access', 'audit'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

type Route = { match: (path: string) => boolean; service: ServiceName };

const regex =
  (pattern: RegExp): Route['match'] =>
  (path) =>
    pattern.test(path);
/** Kubernetes `pathType: Prefix`: whole path elements, so /v1/calls matches /v1/calls/x but not /v1/callsx. */
const prefix =
  (p: string): Route['match'] =>
  (path) =>
    path === p || path.startsWith(`${p}/`);

/**
 * The public REST contract, routed as k8s/base/ingress.yaml routes it (first match wins; the ingress lists the
 * more specific regex paths first), plus dev tokens, which every service issues alike (they share JWT_SECRET).
 */
export const ROUTES: readonly Route[] = [
  { match: regex(/^\/v1\/consultations\/[^/]+\/calls/), service: 'signalling' },
  { match: prefix('/v1/signalling'), service: 'signalling' },
  { match: regex(/^\/v1\/calls\/[^/]+\/recordings/), service: 'recording' },
  { match: prefix('/v1/calls'), service: 'signalling' },
  { match: prefix('/v1/consultations'), service: 'booking' },
  { match: prefix('/v1/replays'), service: 'replay-access' },
  { match: prefix('/v1/recordings'), service: 'replay-access' },
  { match: prefix('/v1/replay-streams'), service: 'replay-access' },
  { match: prefix('/v1/me/access-log'), service: 'audit' },
  { match: prefix('/v1/audit'), service: 'audit' },
  { match: prefix('/v1/dev/tokens'), service: 'booking' },
];

/** The service that answers a request URL (path and query), or null when no route matches. */
export const routeOf = (url: string): ServiceName | null => {
  const path = url.split('?')[0];
  return ROUTES.find((r) => r.match(path))?.service ?? null;
};

// Connection-level headers belong to one hop and are never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

const forwardedHeaders = (req: IncomingMessage, keepUpgrade: boolean): IncomingHttpHeaders => {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) || (keepUpgrade && (name === 'connection' || name === 'upgrade'))) headers[name] = value;
  }
  const client = req.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${client}` : client;
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-proto'] = 'http';
  return headers;
};

const problem = (res: ServerResponse, status: number, title: string, detail: string) => {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
};

export type GatewayOptions = {
  /** Where each service listens, e.g. http://127.0.0.1:3101. */
  upstreams: Record<ServiceName, string>;
  port?: number;
  host?: string;
};

export type Gateway = { url: string; server: Server; close(): Promise<void> };

/**
 * A development stand-in for the ingress: one port in front of the five services, HTTP and WebSocket upgrades,
 * bodies streamed both ways. `/health/live` is its own; `/health/ready` is ready when every service is.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const upstream = (service: ServiceName) => new URL(options.upstreams[service]);
  const sockets = new Set<Socket>();

  const ready = async (res: ServerResponse) => {
    const results = await Promise.all(
      SERVICE_NAMES.map(async (service) => {
        try {
          const answer = await fetch(new URL('/health/ready', upstream(service)), { signal: AbortSignal.timeout(3_000) });
          return [service, answer.ok ? 'up' : 'down'] as const;
        } catch {
          return [service, 'down'] as const;
        }
      }),
    );
    const ok = results.every(([, state]) => state === 'up');
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'error', services: Object.fromEntries(results) }));
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ status: 'ok', info: {}, error: {}, details: {} }));
      return;
    }
    if (url === '/health/ready') {
      void ready(res);
      return;
    }
    const service = routeOf(url);
    if (!service) {
      problem(res, 404, 'Not Found', `No service answers ${req.method} ${url.split('?')[0]}.`);
      return;
    }
    const target = upstream(service);
    const proxied = request(
      { agent, host: target.hostname, port: target.port, method: req.method, path: url, headers: forwardedHeaders(req, false) },
      (answer) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
        answer.pipe(res);
        answer.once('error', () => res.destroy());
      },
    );
    proxied.once('error', () => problem(res, 502, 'Bad Gateway', `The ${service} service is not answering.`));
    // A client that goes away takes its upstream request with it.
    res.once('close', () => {
      if (!res.writableFinished) proxied.destroy();
    });
    req.pipe(proxied);
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const service = routeOf(req.url ?? '/');
    if (!service) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const target = upstream(service);
    const proxied = request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req, true),
    });
    proxied.once('upgrade', (answer, upstreamSocket, upstreamHead) => {
      const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
      for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upstreamHead.length) socket.write(upstreamHead);
      if (head.length) upstreamSocket.write(head);
      sockets.add(upstreamSocket);
      upstreamSocket.once('close', () => sockets.delete(upstreamSocket));
      upstreamSocket.once('error', () => socket.destroy());
      socket.once('error', () => upstreamSocket.destroy());
      upstreamSocket.pipe(socket).pipe(upstreamSocket);
    });
    // The service refused the upgrade: relay its answer as is.
    proxied.once('response', (answer) => {
      const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`, 'connection: close'];
      for (let i = 0; i < answer.rawHeaders.length; i += 2) {
        if (!HOP_BY_HOP.has(answer.rawHeaders[i].toLowerCase())) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
      }
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      answer.pipe(socket);
    });
    proxied.once('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'));
    socket.once('error', () => proxied.destroy());
    proxied.end();
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await closed;
    },
  };
}
