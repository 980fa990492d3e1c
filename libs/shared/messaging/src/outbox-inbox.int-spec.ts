import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventMetadata, TOPICS } from '@vgp/contracts';
import { type NewEvent, SqliteEventStore, type StoredEvent, type Subscription } from '@vgp/event-store';
import { aConsultationCompleted, eventually } from '@vgp/testing';
import { startInbox } from './inbox.js';
import { InProcessMessageBus } from './in-process-message-bus.adapter.js';
import { type Consumer, type OutgoingMessage } from './message-bus.port.js';
import { startOutbox } from './outbox.js';

const metadata: EventMetadata = {
  correlationId: 'corr-booking-1',
  causationId: 'cmd-1',
  actor: { id: 'admin-ada', role: 'clinic_admin' },
  softwareVersion: '1.4.2',
  featureFlags: ['media-switch'],
};

const consultationBooked = (consultationId: string): NewEvent => ({
  id: randomUUID(),
  type: 'ConsultationBooked',
  occurredAt: '2026-02-01T08:00:00.000Z',
  data: {
    consultationId,
    clinicId: 'clinic-1',
    patientId: 'patient-amira',
    clinicianId: 'dr-okafor',
    startsAt: '2026-02-03T09:00:00.000Z',
    durationMinutes: 20,
    mode: 'video',
  },
  metadata,
});

const consultationCompleted = (consultationId: string): NewEvent => ({
  id: randomUUID(),
  type: 'ConsultationCompleted',
  data: { consultationId },
  metadata,
});

/** A bus that counts what passes through it, to tell a resume from a replay. */
class CountingBus extends InProcessMessageBus {
  readonly published: OutgoingMessage[] = [];
  override async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.published.push(...messages);
    return super.publish(topic, messages);
  }
}

describe('outbox and inbox: booking store → bus → replay-access store', () => {
  let dir: string;
  let booking: SqliteEventStore;
  let replayAccess: SqliteEventStore;
  let bus: CountingBus;
  let outbox: Subscription | undefined;
  let inbox: Consumer;

  const openOutbox = () => (outbox = startOutbox({ store: booking, bus, subscriptionId: 'booking-outbox', categories: ['consultation'] }));
  const inboxOf = (consultationId: string) => replayAccess.readStream(`inbox-${consultationId}`);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-outbox-inbox-'));
    booking = new SqliteEventStore({ path: join(dir, 'booking.sqlite'), pollIntervalMs: 50 });
    replayAccess = new SqliteEventStore({ path: join(dir, 'replay-access.sqlite'), pollIntervalMs: 50 });
    bus = new CountingBus({ retryInitialMs: 1, retryMaxMs: 5 });
    inbox = await startInbox({ store: replayAccess, bus, groupId: 'replay-access', topics: [TOPICS.consultation], maxAttempts: 2 });
  });
  afterEach(async () => {
    await outbox?.stop();
    outbox = undefined;
    await inbox.stop();
    await bus.close();
    await booking.close();
    await replayAccess.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands a booking to replay-access with the same id, type, data, metadata and time', async () => {
    const consultationId = randomUUID();
    const booked = consultationBooked(consultationId);
    await booking.append(`consultation-${consultationId}`, [booked], 'no_stream');
    openOutbox();

    const [copy] = await eventually(async () => {
      const events = await inboxOf(consultationId);
      expect(events).toHaveLength(1);
      return events;
    });
    const [original] = await booking.readStream(`consultation-${consultationId}`);
    expect(withoutPlace(copy)).toEqual(withoutPlace(original));
    expect(copy.streamId).toBe(`inbox-${consultationId}`);
  });

  it('publishes only integration events of the categories it owns', async () => {
    const consultationId = randomUUID();
    await booking.append(
      `consultation-${consultationId}`,
      [{ ...consultationCompleted(consultationId), type: 'ConsultationNoteDrafted' }, consultationCompleted(consultationId)],
      'no_stream',
    );
    await booking.append(`inbox-${consultationId}`, [consultationCompleted(consultationId)], 'no_stream');
    await openOutbox().caughtUp();

    expect(bus.published.map((m) => m.event.type)).toEqual(['ConsultationCompleted']);
    expect(bus.published[0].key).toBe(consultationId);
  });

  it('stores a redelivered event once', async () => {
    const event = aConsultationCompleted();
    const message = { key: event.data.consultationId, event };
    await bus.publish(TOPICS.consultation, [message]);
    await bus.publish(TOPICS.consultation, [message, message]);
    expect(await inboxOf(event.data.consultationId)).toHaveLength(1);
  });

  it('resumes from its checkpoint after a restart, and a replay after a crash is harmless', async () => {
    const consultationId = randomUUID();
    const stream = `consultation-${consultationId}`;
    await booking.append(stream, [consultationBooked(consultationId)], 'no_stream');
    await openOutbox().caughtUp();
    await outbox?.stop();

    await booking.append(stream, [consultationCompleted(consultationId)], 0);
    await openOutbox().caughtUp();
    expect(bus.published.map((m) => m.event.type)).toEqual(['ConsultationBooked', 'ConsultationCompleted']);
    await outbox?.stop();

    // A crash between publishing and storing the checkpoint: everything goes out again.
    await booking.storeCheckpoint('booking-outbox', 0);
    await openOutbox().caughtUp();
    expect(bus.published).toHaveLength(4);
    expect((await inboxOf(consultationId)).map((e) => e.type)).toEqual(['ConsultationBooked', 'ConsultationCompleted']);
  });

  it('dead-letters an event that fails validation and stores nothing of it', async () => {
    const consultationId = randomUUID();
    const invalid = { ...aConsultationCompleted({ consultationId }), data: { consultationId: '' } };
    await bus.publish(TOPICS.consultation, [{ key: consultationId, event: invalid }]);
    expect(bus.deadLetters(TOPICS.consultation).map((d) => d.event.id)).toEqual([invalid.id]);
    expect(bus.deadLetters(TOPICS.consultation)[0].error).toMatch(/InvalidIntegrationEvent/);
    expect(await replayAccess.readAll()).toEqual([]);
  });

  it('drops the events the context does not accept', async () => {
    const other = await startInbox({
      store: booking,
      bus,
      groupId: 'picky',
      topics: [TOPICS.consultation],
      accept: (e) => e.type === 'ConsultationBooked',
    });
    const completed = aConsultationCompleted();
    await bus.publish(TOPICS.consultation, [{ key: completed.data.consultationId, event: completed }]);
    expect(await booking.readAll()).toEqual([]);
    await other.stop();
  });
});

/** What must survive the hand-over: everything but the place the event has in each store. */
const withoutPlace = ({ streamId: _s, revision: _r, position: _p, ...rest }: StoredEvent) => rest;
