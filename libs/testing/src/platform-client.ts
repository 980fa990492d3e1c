import WebSocket from 'ws';
import { type Role } from '@vgp/contracts';

export type HttpAnswer<T = unknown> = {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  bytes: Buffer;
};

export type RequestOptions = {
  token?: string;
  body?: unknown;
  /** Sent as is, with this content type, instead of JSON. */
  raw?: { contentType: string; data: Buffer | string };
  headers?: Record<string, string>;
};

/** A thin HTTP + WebSocket client of the public REST contract, for end-to-end tests and the demo. */
export class PlatformClient {
  constructor(readonly baseUrl: string) {}

  async token(sub: string, roles: Role[], clinicId: string): Promise<string> {
    const answer = await this.request<{ token: string }>('POST', '/v1/dev/tokens', { body: { sub, roles, clinicId } });
    if (answer.status !== 201 && answer.status !== 200) throw new Error(`dev token refused: ${answer.status} ${answer.text}`);
    return answer.body.token;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test callers pick their shape
  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Buffer | undefined;
    if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      body = options.raw.data;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const response = await fetch(new URL(path, this.baseUrl), { method, headers, body });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    const type = response.headers.get('content-type') ?? '';
    const parsed = /json/.test(type) && text ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body: parsed as T, text, bytes };
  }

  /** `answerPings: false` plays a client that went away without closing (it never answers the server's pings). */
  async signalling({ answerPings = true }: { answerPings?: boolean } = {}): Promise<SignallingClient> {
    const url = new URL('/v1/signalling', this.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, { autoPong: answerPings });
    // Listening before the socket opens: the server's first frame may arrive together with the handshake.
    const client = new SignallingClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }
}

export type SignalMessage = { type: string; [field: string]: unknown };

/** Collects every frame so a test can wait for one, and assert on what was never received. */
export class SignallingClient {
  /** The frames of the call, in arrival order (the protocol's `welcome` is kept apart, in `welcome`). */
  readonly received: SignalMessage[] = [];
  /** The server's keep-alive terms, sent first on every socket, as a client configures itself from them. */
  welcome: SignalMessage | null = null;
  /** Resolves with the close code once the socket has closed, whoever closed it. */
  readonly closed: Promise<number>;
  private waiters: Array<() => void> = [];

  constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as SignalMessage;
      if (frame.type === 'welcome' && this.welcome === null && this.received.length === 0) this.welcome = frame;
      else this.received.push(frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(message: SignalMessage | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first not-yet-consumed frame of this type (frames of other types stay available). */
  async next(type: string, timeoutMs = 5000): Promise<SignalMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((m) => m.type === type && !consumed.has(m));
      if (index >= 0) {
        consumed.add(this.received[index]);
        return this.received[index];
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no '${type}' frame within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

const consumed = new WeakSet<SignalMessage>();
