import { aConsultationCompleted, describeMessageBusContract, eventually } from '@vgp/testing';
import { InProcessMessageBus } from './in-process-message-bus.adapter.js';
import { MessageBusUnavailable } from './message-bus.port.js';

const fastRetries = { retryInitialMs: 1, retryMaxMs: 5 };

describeMessageBusContract('InProcessMessageBus', async () => {
  const bus = new InProcessMessageBus(fastRetries);
  return { bus, cleanup: () => bus.close() };
});

describe('InProcessMessageBus in one process', () => {
  let bus: InProcessMessageBus;
  beforeEach(() => (bus = new InProcessMessageBus(fastRetries)));
  afterEach(() => bus.close());

  const message = (key: string) => ({ key, event: aConsultationCompleted({ consultationId: key }) });

  it('resolves publish only once every group has handled the message', async () => {
    const handled: string[] = [];
    for (const groupId of ['audit', 'replay-access']) {
      await bus.subscribe({
        groupId,
        topics: ['t'],
        handler: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          handled.push(groupId);
        },
      });
    }
    await bus.publish('t', [message('c1')]);
    expect(handled.sort()).toEqual(['audit', 'replay-access']);
  });

  it('does not replay messages published before a group first subscribed, like a new Kafka group at latest', async () => {
    await bus.publish('t', [message('c1')]);
    const seen: string[] = [];
    await bus.subscribe({ groupId: 'late', topics: ['t'], handler: async (e) => void seen.push(e.id) });
    const later = message('c2');
    await bus.publish('t', [later]);
    expect(seen).toEqual([later.event.id]);
  });

  it('holds what producers publish at boot until every consumer has joined, when asked to', async () => {
    const held = new InProcessMessageBus({ ...fastRetries, holdUntilStarted: true });
    try {
      const published = held.publish('t', [message('c1')]);
      const seen: string[] = [];
      await held.subscribe({ groupId: 'joins-after-the-producer', topics: ['t'], handler: async (e) => void seen.push(e.id) });
      held.start();
      await published;
      expect(seen).toHaveLength(1);
    } finally {
      await held.close();
    }
  });

  it('shares the consultations of a group between its members', async () => {
    const byMember: string[][] = [[], []];
    for (const seen of byMember) await bus.subscribe({ groupId: 'g', topics: ['t'], handler: async (e) => void seen.push(e.id) });
    await bus.publish(
      't',
      Array.from({ length: 20 }, (_, i) => message(`c${i}`)),
    );
    expect(byMember[0].length).toBeGreaterThan(0);
    expect(byMember[1].length).toBeGreaterThan(0);
  });

  it('keeps messages for a group whose members all stopped, and hands them over when one rejoins', async () => {
    const first = await bus.subscribe({ groupId: 'g', topics: ['t'], handler: async () => undefined });
    await first.stop();
    const missed = message('c1');
    await bus.publish('t', [missed]); // resolves: nobody is there to wait for
    const seen: string[] = [];
    await bus.subscribe({ groupId: 'g', topics: ['t'], handler: async (e) => void seen.push(e.id) });
    await eventually(() => expect(seen).toEqual([missed.event.id]));
  });

  it('gives every group its own copy of a message', async () => {
    const copies: unknown[] = [];
    for (const groupId of ['a', 'b']) {
      await bus.subscribe({
        groupId,
        topics: ['t'],
        handler: async (e) => {
          copies.push(e);
          (e.data as { consultationId: string }).consultationId = `changed by ${groupId}`;
        },
      });
    }
    const sent = message('c1');
    await bus.publish('t', [sent]);
    expect(copies).toHaveLength(2);
    expect(copies[0]).not.toBe(copies[1]);
    expect(sent.event.data.consultationId).toBe('c1');
  });

  it('records dead letters with the reason and the attempts made', async () => {
    await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      maxAttempts: 2,
      handler: async () => {
        throw new TypeError('no such field');
      },
    });
    const poison = message('c1');
    await bus.publish('t', [poison]);
    expect(bus.deadLetters('t')).toEqual([{ topic: 't', key: 'c1', event: poison.event, error: 'TypeError: no such field', attempts: 2 }]);
  });

  it('lets the message in hand finish on close, drops the queued ones, and refuses to publish afterwards', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    await bus.subscribe({ groupId: 'g', topics: ['t'], handler: async (e) => void (await gate, handled.push(e.id)) });
    const [inHand, queued] = [message('c1'), message('c1')];
    const pending = bus.publish('t', [inHand, queued]);
    const closing = bus.close();
    release();
    await closing;
    await expect(pending).resolves.toBeUndefined();
    expect(handled).toEqual([inHand.event.id]);
    await expect(bus.publish('t', [message('c2')])).rejects.toBeInstanceOf(MessageBusUnavailable);
    expect(await bus.isHealthy()).toBe(false);
  });
});
