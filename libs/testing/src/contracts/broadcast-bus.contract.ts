import { randomUUID } from 'node:crypto';
import type { BroadcastBus, BroadcastMessage, BroadcastSubscription } from '@vgp/messaging';
import { eventually } from '../eventually.js';

export type BroadcastBusFixture = { bus: BroadcastBus; cleanup(): Promise<void> };

/**
 * The behaviour every broadcast bus adapter must have: each live subscriber hears each message published after
 * it subscribed, in order per key, and nothing from before. Every test uses channels of its own.
 */
export function describeBroadcastBusContract(
  name: string,
  factory: () => Promise<BroadcastBusFixture>,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): void {
  describe(`${name} (broadcast bus contract)`, () => {
    let fixture: BroadcastBusFixture;
    const subscriptions: BroadcastSubscription[] = [];
    const channel = () => `contract.broadcast.${randomUUID()}`;
    const listen = async (on: string, handler: (message: BroadcastMessage) => void = () => undefined) => {
      const heard: BroadcastMessage[] = [];
      const subscription = await fixture.bus.subscribe(on, (message) => {
        heard.push(message);
        handler(message);
      });
      subscriptions.push(subscription);
      return { heard, subscription };
    };

    beforeEach(async () => {
      fixture = await factory();
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
      await fixture.cleanup();
    });

    it(
      'delivers every message to every subscriber, in order per key',
      async () => {
        const on = channel();
        const [first, second] = [await listen(on), await listen(on)];
        const sent = Array.from({ length: 30 }, (_, i) => ({ key: `call-${i % 3}`, payload: { seq: i, text: `frame ${i}` } }));
        for (const { key, payload } of sent) await fixture.bus.publish(on, key, payload);
        for (const { heard } of [first, second]) {
          await eventually(() => expect(heard).toHaveLength(sent.length), timeoutMs);
          for (const key of ['call-0', 'call-1', 'call-2']) {
            expect(heard.filter((m) => m.key === key)).toEqual(sent.filter((m) => m.key === key));
          }
        }
      },
      timeoutMs * 3,
    );

    it(
      'keeps nothing for later: a subscriber hears only what was published after it subscribed, and nothing after it stopped',
      async () => {
        const on = channel();
        await fixture.bus.publish(on, 'k', { n: 'before' });
        const late = await listen(on);
        const witness = await listen(on);
        await fixture.bus.publish(on, 'k', { n: 'while' });
        await eventually(() => expect(late.heard.map((m) => m.payload)).toEqual([{ n: 'while' }]), timeoutMs);
        await late.subscription.stop();
        await fixture.bus.publish(on, 'k', { n: 'after' });
        await eventually(() => expect(witness.heard.map((m) => m.payload)).toEqual([{ n: 'while' }, { n: 'after' }]), timeoutMs);
        expect(late.heard.map((m) => m.payload)).toEqual([{ n: 'while' }]);
      },
      timeoutMs * 3,
    );

    it(
      'keeps delivering to a subscriber whose handler threw, and to the others, and keeps channels apart',
      async () => {
        const on = channel();
        const other = channel();
        const failing = await listen(on, (m) => {
          if ((m.payload as { n: number }).n === 1) throw new Error('subscriber bug');
        });
        const elsewhere = await listen(other);
        for (const n of [1, 2]) await fixture.bus.publish(on, 'k', { n });
        await eventually(() => expect(failing.heard.map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }]), timeoutMs);
        expect(elsewhere.heard).toEqual([]);
      },
      timeoutMs * 3,
    );
  });
}
