import { type MediaMode, mediaModeSchema } from '@vgp/contracts';
import { z } from 'zod';

/** Every frame is JSON text of at most this many bytes; the socket closes on a larger one. */
export const MAX_FRAME_BYTES = 64 * 1024;

const sdp = z.string().min(1).max(60_000);
const iceCandidate = z.union([
  z.string().max(4096),
  z
    .object({
      candidate: z.string().max(4096),
      sdpMid: z.string().max(256).nullable().optional(),
      sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
      usernameFragment: z.string().max(256).nullable().optional(),
    })
    .strict(),
  // End of candidates.
  z.null(),
]);

/** What a client may send. Unknown fields are refused, so nothing can smuggle in a binding. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), callId: z.string().min(1).max(200), token: z.string().min(1).max(8192) }).strict(),
  z.object({ type: z.literal('offer'), sdp }).strict(),
  z.object({ type: z.literal('answer'), sdp }).strict(),
  z.object({ type: z.literal('ice'), candidate: iceCandidate }).strict(),
  z.object({ type: z.literal('switch-media'), mode: mediaModeSchema }).strict(),
  z.object({ type: z.literal('leave') }).strict(),
  z.object({ type: z.literal('end') }).strict(),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;

type Peer = { userId: string; role: 'patient' | 'clinician' };

/**
 * What the server sends. `welcome` comes first on every socket: the server pings every `pingIntervalSeconds`
 * (browsers answer with a pong on their own), closes a socket it has heard nothing from (no frame, no pong) for
 * `idleTimeoutSeconds` (its participant leaves the call), and one that has not joined within `joinTimeoutSeconds`.
 * A client that hears nothing, not even a ping, for `idleTimeoutSeconds` should treat the socket as dead, reconnect
 * and join again. `peers` of `joined` are the other participants online in the call, on whichever replica.
 */
export type ServerMessage =
  | { type: 'welcome'; pingIntervalSeconds: number; idleTimeoutSeconds: number; joinTimeoutSeconds: number }
  | { type: 'joined'; callId: string; consultationId: string; mode: MediaMode; segmentId: string; peers: Peer[] }
  | ({ type: 'peer-joined' } & Peer)
  | ({ type: 'peer-left' } & Peer)
  | { type: 'offer' | 'answer'; from: string; sdp: string }
  | { type: 'ice'; from: string; candidate: z.infer<typeof iceCandidate> }
  | { type: 'media-switched'; mode: MediaMode; segmentId: string; segmentSeq: number; by: string }
  | { type: 'call-ended'; callId: string; reason: string }
  | { type: 'error'; code: SignallingErrorCode; detail: string };

/**
 * The `code` of an error frame. The gateway's own protocol errors, and refusals of the call's rules as
 * `webSocketErrorOf` words them (the kind for not_found and unavailable, else the problem code).
 */
export type SignallingErrorCode =
  | 'unauthenticated'
  | 'not_found'
  | 'not_joined'
  | 'invalid_message'
  | 'call_ended'
  | 'outside_booked_window'
  | 'consultation_closed'
  | 'call_conflict'
  | 'concurrent_update'
  | 'unavailable'
  | 'internal';

/** Names the offending fields without echoing what was sent (it may be an SDP or a token). */
export const describeInvalid = (error: z.ZodError): string =>
  `Fix these fields: ${[...new Set(error.issues.map((i) => i.path.join('.') || 'type'))].join(', ')}.`;
