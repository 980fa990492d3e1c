import type { BroadcastBus, BroadcastHandler, BroadcastSubscription } from './broadcast-bus.port.js';

/** The broadcast bus of one process (embedded mode): every subscriber hears every message, in publish order. */
export class InProcessBroadcastBus implements BroadcastBus {
  private readonly channels = new Map<string, Set<BroadcastHandler>>();
  private closed = false;

  async publish(channel: string, key: string, payload: unknown): Promise<void> {
    if (this.closed) return;
    // A copy per subscriber, as a broker would hand over: no one shares the publisher's object.
    const json = JSON.stringify(payload);
    for (const handler of this.channels.get(channel) ?? []) {
      try {
        handler({ key, payload: JSON.parse(json) });
      } catch {
        // At most once: a handler that throws has lost this message, the others still get it.
      }
    }
  }

  async subscribe(channel: string, handler: BroadcastHandler): Promise<BroadcastSubscription> {
    let handlers = this.channels.get(channel);
    if (!handlers) this.channels.set(channel, (handlers = new Set()));
    // Its own entry, so the same function subscribed twice is two subscriptions.
    const entry: BroadcastHandler = (message) => handler(message);
    handlers.add(entry);
    return { stop: async () => void handlers.delete(entry) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
  }
}
