import { InProcessMessageBus } from '@vgp/messaging';
import { aConsultationCompleted, eventually } from '@vgp/testing';
import { NamespacedMessageBus } from './namespaced-message-bus.js';

describe('a message bus under a namespace', () => {
  it('publishes and consumes under <namespace>., and hands handlers the contract’s topic name', async () => {
    const shared = new InProcessMessageBus();
    const staging = new NamespacedMessageBus(shared, 'staging');
    const seen: Array<{ id: string; topic: string }> = [];
    const foreign: string[] = [];
    await staging.subscribe({
      groupId: 'audit',
      topics: ['consultation.events'],
      handler: async (e, c) => void seen.push({ id: e.id, topic: c.topic }),
    });
    await shared.subscribe({ groupId: 'audit', topics: ['consultation.events'], handler: async (e) => void foreign.push(e.id) });

    const event = aConsultationCompleted();
    await staging.publish('consultation.events', [{ key: event.data.consultationId, event }]);
    await eventually(() => expect(seen).toEqual([{ id: event.id, topic: 'consultation.events' }]));
    // The un-namespaced deployment on the same cluster neither sees it nor shares the group.
    expect(foreign).toEqual([]);
    await staging.close();
  });
});
