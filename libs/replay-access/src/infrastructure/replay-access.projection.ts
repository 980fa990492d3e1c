import { bookingFactsHandler, type ProjectionDefinition, projectionHandler } from '@vgp/read-models';
import { type ConsentShare, type RecordingFacts } from '../domain/access-policy.js';
import { type IssuedGrant, issuedGrantOf } from '../domain/access.decider.js';
import { type RecordingStored, type ReplayGranted, type ShareEvent } from '../domain/replay-access.events.js';
import { REPLAY_READ_MODELS } from '../application/replay-access.queries.js';

/** A recording as stored: `storedAt` (the position of its first copy) keeps a clinic's list in arrival order. */
export type StoredRecording = Omit<RecordingFacts, 'booking'> & { storedAt: number };

/** The read-model collections of replay-access (each context has its own database or prefix). */
export const REPLAY_COLLECTIONS = {
  /** One document per recording, id recordingId; found by clinic. */
  recordings: 'replay_recordings',
  /** Booking facts and status, id consultationId. */
  bookings: 'replay_bookings',
  /** Consent shares, id shareId; found by recording. */
  shares: 'replay_shares',
  /** Issued grants, id tokenSha256. */
  grants: 'replay_grants',
} as const;

/** The categories the read models fold: inbox copies, viewers' access streams and shares. */
export const PROJECTED_CATEGORIES = ['inbox', 'access', 'share'];

const bookings = bookingFactsHandler(REPLAY_COLLECTIONS.bookings);

const recordings = projectionHandler<StoredRecording, RecordingStored>({
  collection: REPLAY_COLLECTIONS.recordings,
  indexes: [{ name: 'by_clinic', fields: ['clinicId'] }],
  canHandle: ['RecordingStored'],
  keyOf: (event) => event.data.recordingId,
  evolve: (doc, event) => {
    // The first binding of a recording id is the one that counts; a later copy cannot re-bind it.
    if (doc) return doc;
    // Everything the policy and the stream need; the checksum and the uploader stay in the event.
    const { sha256: _sha256, uploadedBy: _uploadedBy, ...recording } = event.data;
    return {
      ...recording,
      storedAt: event.position,
    };
  },
});

const shares = projectionHandler<ConsentShare, ShareEvent>({
  collection: REPLAY_COLLECTIONS.shares,
  indexes: [{ name: 'by_recording', fields: ['recordingId'] }],
  canHandle: ['ShareGranted', 'ShareRevoked'],
  keyOf: (event) => event.data.shareId,
  evolve: (doc, event) => (event.type === 'ShareGranted' ? { ...event.data, revoked: false } : doc && { ...doc, revoked: true }),
});

const grants = projectionHandler<IssuedGrant, ReplayGranted>({
  collection: REPLAY_COLLECTIONS.grants,
  canHandle: ['ReplayGranted'],
  keyOf: (event) => event.data.tokenSha256,
  evolve: (_doc, event) => issuedGrantOf(event),
});

/**
 * The read models of replay-access, folded from its own store only: recordings and booking facts
 * (inbox copies of other contexts' events), consent shares and issued grants (its own events).
 * Every access decision is taken against them.
 */
export const replayAccessProjection: ProjectionDefinition = {
  name: REPLAY_READ_MODELS,
  categories: PROJECTED_CATEGORIES,
  handlers: [bookings, recordings, shares, grants],
};
