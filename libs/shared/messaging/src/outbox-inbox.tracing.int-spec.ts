import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { type EventMetadata, TOPICS } from '@vgp/contracts';
import { SqliteEventStore, type Subscription } from '@vgp/event-store';
import { eventually } from '@vgp/testing';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInbox, useCorrelationScope } from './inbox.js';
import { InProcessMessageBus } from './in-process-message-bus.adapter.js';
import { type Consumer } from './message-bus.port.js';
import { startOutbox } from './outbox.js';

// The platform's request context, as PlatformModule installs it (messaging cannot import the platform).
const requestContext = new AsyncLocalStorage<string>();

describe('traces of an event crossing the bus, outbox → bus → inbox', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager();
  let dir: string;
  let booking: SqliteEventStore;
  let replayAccess: SqliteEventStore;
  let bus: InProcessMessageBus;
  let outbox: Subscription;
  let inbox: Consumer;
  const correlationsSeenByAppend: (string | undefined)[] = [];

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    useCorrelationScope((correlationId, fn) => requestContext.run(correlationId, fn));
  });

  afterAll(async () => {
    useCorrelationScope((_correlationId, fn) => fn());
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  beforeEach(async () => {
    exporter.reset();
    correlationsSeenByAppend.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'vgp-outbox-tracing-'));
    booking = new SqliteEventStore({ path: join(dir, 'booking.sqlite'), pollIntervalMs: 50 });
    replayAccess = new SqliteEventStore({ path: join(dir, 'replay-access.sqlite'), pollIntervalMs: 50 });
    const append = replayAccess.append.bind(replayAccess);
    replayAccess.append = (...args) => {
      correlationsSeenByAppend.push(requestContext.getStore());
      return append(...args);
    };
    bus = new InProcessMessageBus({ retryInitialMs: 1, retryMaxMs: 5 });
    inbox = await startInbox({ store: replayAccess, bus, groupId: 'replay-access', topics: [TOPICS.consultation], maxAttempts: 2 });
    outbox = startOutbox({ store: booking, bus, subscriptionId: 'booking-outbox', categories: ['consultation'] });
  });

  afterEach(async () => {
    await outbox.stop();
    await inbox.stop();
    await bus.close();
    await booking.close();
    await replayAccess.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const metadata = (correlationId: string): EventMetadata => ({
    correlationId,
    causationId: null,
    actor: { id: 'admin-ada', role: 'clinic_admin' },
    softwareVersion: '1.4.2',
    featureFlags: [],
  });

  it('records a publish and a consume span that both carry the correlation id of the request that booked', async () => {
    const consultationId = randomUUID();
    const eventId = randomUUID();
    await booking.append(
      `consultation-${consultationId}`,
      [{ id: eventId, type: 'ConsultationCompleted', data: { consultationId }, metadata: metadata('corr-book-7') }],
      'no_stream',
    );

    await eventually(async () => expect(await replayAccess.readStream(`inbox-${consultationId}`)).toHaveLength(1));

    const spans = exporter.getFinishedSpans();
    const publish = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const consume = spans.find((s) => s.kind === SpanKind.CONSUMER);
    const expected = { 'vgp.correlation_id': 'corr-book-7', 'vgp.event_id': eventId, 'messaging.destination.name': TOPICS.consultation };
    expect(publish?.name).toBe('publish ConsultationCompleted');
    expect(publish?.attributes).toMatchObject(expected);
    expect(consume?.name).toBe('consume ConsultationCompleted');
    expect(consume?.attributes).toMatchObject({ ...expected, 'messaging.consumer.group.name': 'replay-access' });
    expect(consume?.status.code).toBe(SpanStatusCode.UNSET);
    expect(correlationsSeenByAppend).toEqual(['corr-book-7']);
  });

  it('marks the consume span of an event that fails validation as an error, named by topic only', async () => {
    const invalid = { id: randomUUID(), type: 'Made Up <script>', correlationId: 'corr-bad' } as never;
    await bus.publish(TOPICS.consultation, [{ key: 'k', event: invalid }]);

    const consumes = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
    expect(consumes).toHaveLength(2); // both attempts, then the dead letter
    for (const span of consumes) {
      expect(span.name).toBe(`consume ${TOPICS.consultation}`);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
  });
});
