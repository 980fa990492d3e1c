export const BROADCAST_BUS = Symbol('BROADCAST_BUS');

/** One message as a subscriber receives it: the key it was published under and its JSON payload. */
export type BroadcastMessage = { key: string; payload: unknown };

export type BroadcastHandler = (message: BroadcastMessage) => void;

export interface BroadcastSubscription {
  stop(): Promise<void>;
}

/**
 * Fan-out of ephemeral messages to every live subscriber (one per process), unlike the message bus's one delivery
 * per group. At most once: nothing is kept for a subscriber that was not listening, nothing is retried, and a
 * handler's failure is its own. In order per key on a channel.
 */
export interface BroadcastBus {
  /** Resolves once the bus has taken the message (JSON-serialisable payload). */
  publish(channel: string, key: string, payload: unknown): Promise<void>;
  /** Every message published on the channel after this resolves, until stopped. */
  subscribe(channel: string, handler: BroadcastHandler): Promise<BroadcastSubscription>;
  close(): Promise<void>;
}
