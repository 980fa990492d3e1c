import { Inject, Injectable } from '@nestjs/common';
import { BROADCAST_BUS, type BroadcastBus, type BroadcastSubscription } from '@vgp/messaging';
import { z } from 'zod';
import { SignallingRelayUnavailable } from '../domain/call.errors.js';

/** The channel every signalling replica listens on; keyed by call id, so a call's frames keep their order. */
export const SIGNALLING_RELAY_CHANNEL = 'signalling.frames';

export type ServerFrame = { type: string; [field: string]: unknown };

/** A frame for the participants of one call, wherever they are connected; never to `except` (its sender). */
export type RelayedFrame = { callId: string; except: string | null; frame: ServerFrame };

const relayedFrameSchema = z.object({
  callId: z.string().min(1),
  except: z.string().nullable(),
  frame: z.object({ type: z.string().min(1) }).passthrough(),
});

/**
 * Frames to a call's participants go through the broadcast bus to every replica, each of which hands them to
 * its own sockets of that call. At most once: a frame lost with a replica is repaired by the clients (rejoin,
 * new offer), so nothing is kept or retried.
 */
@Injectable()
export class CallRelay {
  constructor(@Inject(BROADCAST_BUS) private readonly bus: BroadcastBus) {}

  async send(callId: string, frame: ServerFrame, except: string | null = null): Promise<void> {
    try {
      await this.bus.publish(SIGNALLING_RELAY_CHANNEL, callId, { callId, except, frame } satisfies RelayedFrame);
    } catch {
      throw new SignallingRelayUnavailable();
    }
  }

  listen(deliver: (relayed: RelayedFrame) => void): Promise<BroadcastSubscription> {
    return this.bus.subscribe(SIGNALLING_RELAY_CHANNEL, ({ payload }) => {
      const parsed = relayedFrameSchema.safeParse(payload);
      if (parsed.success) deliver(parsed.data);
    });
  }
}
