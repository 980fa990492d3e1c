import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DEAD_LETTER_SUFFIX, type IntegrationEvent } from '@vgp/contracts';
import { type Consumer, type ConsumerOptions, type DeliveryContext, type MessageBus } from '@vgp/messaging';
import { eventually } from '../eventually.js';
import { aConsultationCompleted } from './integration-events.builder.js';

export type MessageBusFixture = { bus: MessageBus; cleanup(): Promise<void> };

export type MessageBusContractOptions = {
  /** How long to wait for deliveries; a real broker needs seconds to rebalance a new group. */
  timeoutMs?: number;
  /** Runs of the randomized ordering property. */
  orderingRuns?: number;
};

/**
 * The behaviour every message bus adapter must have. Every test uses its own topics and groups,
 * so the adapter may share one broker between tests (it must create topics on first use).
 */
export function describeMessageBusContract(
  name: string,
  factory: () => Promise<MessageBusFixture>,
  { timeoutMs = 10_000, orderingRuns = 20 }: MessageBusContractOptions = {},
): void {
  describe(`${name} (message bus contract)`, () => {
    let fixture: MessageBusFixture;
    let bus: MessageBus;
    const consumers: Consumer[] = [];
    const subscribe = async (options: ConsumerOptions) => {
      const consumer = await bus.subscribe(options);
      consumers.push(consumer);
      return consumer;
    };
    const settled = (probe: () => void) => eventually(probe, timeoutMs);
    const testTimeout = timeoutMs * 3;

    beforeEach(async () => {
      fixture = await factory();
      bus = fixture.bus;
    });
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
      await fixture.cleanup();
    });

    it(
      "delivers each consultation's messages in the order they were published, whatever else interleaves",
      async () => {
        const topic = aTopic();
        type Plan = { failFirst: boolean; delayMs: number };
        const plans = new Map<string, Plan>();
        const attempted = new Set<string>();
        const handled: { key: string; seq: number }[] = [];
        await subscribe({
          groupId: aGroup(),
          topics: [topic],
          handler: async (event, { key }) => {
            const plan = plans.get(event.id) as Plan;
            await sleep(plan.delayMs);
            const first = !attempted.has(event.id);
            attempted.add(event.id);
            if (plan.failFirst && first) throw new Error('transient failure');
            handled.push({ key, seq: event.revision });
          },
        });

        const message = fc.record({
          key: fc.constantFrom('a', 'b', 'c'),
          failFirst: fc.boolean(),
          delayMs: fc.integer({ min: 0, max: 3 }),
        });
        await fc.assert(
          fc.asyncProperty(
            fc.array(message, { minLength: 1, maxLength: 15 }),
            fc.integer({ min: 1, max: 5 }),
            async (messages, batchSize) => {
              const run = randomUUID();
              const published = messages.map((m, seq) => {
                const key = `${run}-${m.key}`;
                const event = aConsultationCompleted({ consultationId: key, revision: seq });
                plans.set(event.id, m);
                return { key, event };
              });
              for (let i = 0; i < published.length; i += batchSize) await bus.publish(topic, published.slice(i, i + batchSize));

              const ofRun = () => handled.filter((h) => h.key.startsWith(run));
              await settled(() => expect(new Set(ofRun().map((h) => h.seq)).size).toBe(published.length));
              for (const key of new Set(published.map((p) => p.key))) {
                const order = ofRun()
                  .filter((h) => h.key === key)
                  .map((h) => h.seq);
                expect(order).toEqual(published.filter((p) => p.key === key).map((p) => p.event.revision));
              }
            },
          ),
          { numRuns: orderingRuns },
        );
      },
      testTimeout * 2,
    );

    it(
      'delivers each message to one member of a group only',
      async () => {
        const topic = aTopic();
        const groupId = aGroup();
        const byMember: string[][] = [[], []];
        for (const seen of byMember) await subscribe({ groupId, topics: [topic], handler: async (e) => void seen.push(e.id) });

        const messages = Array.from({ length: 20 }, (_, i) => anOutgoing(`key-${i % 10}`));
        await bus.publish(topic, messages);

        await settled(() => expect(byMember.flat()).toHaveLength(20));
        expect(new Set(byMember.flat())).toEqual(new Set(messages.map((m) => m.event.id)));
      },
      testTimeout,
    );

    it(
      'delivers every message to every group',
      async () => {
        const topic = aTopic();
        const [audit, replay]: string[][] = [[], []];
        await subscribe({ groupId: aGroup(), topics: [topic], handler: async (e) => void audit.push(e.id) });
        await subscribe({ groupId: aGroup(), topics: [topic], handler: async (e) => void replay.push(e.id) });

        const messages = [anOutgoing('c1'), anOutgoing('c2'), anOutgoing('c1')];
        await bus.publish(topic, messages);

        const ids = messages.map((m) => m.event.id);
        await settled(() => {
          expect(audit.sort()).toEqual([...ids].sort());
          expect(replay.sort()).toEqual([...ids].sort());
        });
      },
      testTimeout,
    );

    it(
      "retries a failing message, then dead-letters it while the rest of its consultation's messages flow on",
      async () => {
        const topic = aTopic();
        const poison = anOutgoing('c-poison');
        const next = anOutgoing('c-poison');
        const poisonAttempts: number[] = [];
        const handled: string[] = [];
        const deadLetters: { event: IntegrationEvent; context: DeliveryContext }[] = [];
        await subscribe({
          groupId: aGroup(),
          topics: [`${topic}${DEAD_LETTER_SUFFIX}`],
          handler: async (event, context) => void deadLetters.push({ event, context }),
        });
        await subscribe({
          groupId: aGroup(),
          topics: [topic],
          maxAttempts: 3,
          handler: async (event, { attempt }) => {
            if (event.id === poison.event.id) {
              poisonAttempts.push(attempt);
              throw new Error('cannot handle this one');
            }
            handled.push(event.id);
          },
        });

        await bus.publish(topic, [poison, next]);

        await settled(() => expect(handled).toEqual([next.event.id]));
        expect(poisonAttempts).toEqual([1, 2, 3]);
        await settled(() => expect(deadLetters.map((d) => d.event)).toEqual([poison.event]));
        expect(deadLetters[0].context).toMatchObject({ topic: `${topic}${DEAD_LETTER_SUFFIX}`, key: 'c-poison' });
      },
      testTimeout,
    );

    it(
      'redelivers a message whose handler failed, and counts the attempts',
      async () => {
        const topic = aTopic();
        const deliveries: DeliveryContext[] = [];
        const handled: IntegrationEvent[] = [];
        await subscribe({
          groupId: aGroup(),
          topics: [topic],
          handler: async (event, context) => {
            deliveries.push(context);
            if (context.attempt === 1) throw new Error('database briefly down');
            handled.push(event);
          },
        });

        const message = anOutgoing('c1');
        await bus.publish(topic, [message]);

        await settled(() => expect(handled).toEqual([message.event]));
        expect(deliveries).toEqual([
          { topic, key: 'c1', attempt: 1 },
          { topic, key: 'c1', attempt: 2 },
        ]);
      },
      testTimeout,
    );

    it('accepts messages for a topic nobody consumes, and reports itself healthy', async () => {
      await expect(bus.publish(aTopic(), [anOutgoing('c1')])).resolves.toBeUndefined();
      expect(await bus.isHealthy()).toBe(true);
    });
  });
}

const aTopic = () => `contract.${randomUUID()}`;
const aGroup = () => `group-${randomUUID()}`;
const anOutgoing = (key: string) => ({ key, event: aConsultationCompleted({ consultationId: key }) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
