import { createServer, Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { platformTracer, startTracing } from './tracing.js';

describe('span export to an OTLP collector', () => {
  let server: Server;
  let endpoint: string;
  const received: { path?: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ path: req.url, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the spans, with the service name and version, to OTEL_EXPORTER_OTLP_ENDPOINT when the last app closes', async () => {
    const first = startTracing({ serviceName: 'booking', softwareVersion: '1.2.3', env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    const second = startTracing({ serviceName: 'ignored: already started', softwareVersion: '0', env: {} });
    platformTracer().startSpan('work').end();

    await second.release();
    expect(received).toHaveLength(0); // still leased, nothing flushed yet
    await first.release();

    expect(received.map((r) => r.path)).toEqual(['/v1/traces']);
    expect(received[0].body).toContain('"work"');
    expect(received[0].body).toContain('booking');
    expect(received[0].body).toContain('1.2.3');
  });

  it('refuses a malformed endpoint at boot, naming the variable', () => {
    expect(() => startTracing({ serviceName: 's', softwareVersion: '1', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' } })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
