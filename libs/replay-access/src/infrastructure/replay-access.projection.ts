import { type BookingFact, type BookingFactEvent, BOOKING_FACT_EVENT_TYPES, evolveBookingFact } from '@vgp/contracts';
import {
  bookingFactsHandler,
  type ProjectionDefinition,
  projectionHandler,
  type ReadModelPage,
  type ReadModelStore,
  type StoredOf,
} from '@vgp/read-models';
import { type ConsentShare, type RecordingFacts } from '../domain/access-policy.js';
import { type IssuedGrant, issuedGrantOf } from '../domain/access.decider.js';
import { type RecordingStored, type ReplayGranted, type ShareEvent, type ShareGranted } from '../domain/replay-access.events.js';
import { REPLAY_READ_MODELS } from '../application/replay-access.queries.js';

/**
 * A recording as stored, with what a list needs so that listing costs one query per kind of viewer: the
 * booking facts of its consultation (kept current as they arrive) and everyone a share was ever given to.
 * `storedAt` is the position of its first copy.
 */
export type StoredRecording = Omit<RecordingFacts, 'booking'> & { booking: BookingFact | null; storedAt: number; granteeIds: string[] };

/** The read-model collections of replay-access (each context has its own database or prefix). */
export const REPLAY_COLLECTIONS = {
  /** One document per recording, id recordingId; found by clinic and patient, clinician, grantee or consultation. */
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

type RecordingFact = RecordingStored | BookingFactEvent | ShareGranted;

/**
 * The documents a fact changes: a stored recording its own (with the booking facts known so far), a
 * booking fact every recording of its consultation (found by index), a share its recording.
 */
const recordingLookup = async (
  event: StoredOf<RecordingFact>,
  store: ReadModelStore,
): Promise<{ ids: string[]; booking: BookingFact | null }> => {
  if (event.type === 'RecordingStored')
    return { ids: [event.data.recordingId], booking: await store.get<BookingFact>(REPLAY_COLLECTIONS.bookings, event.data.consultationId) };
  if (event.type === 'ShareGranted') return { ids: [event.data.recordingId], booking: null };
  const ids: string[] = [];
  let after: string | null = null;
  do {
    const page: ReadModelPage<StoredRecording> = await store.query<StoredRecording>(REPLAY_COLLECTIONS.recordings, {
      where: { consultationId: event.data.consultationId },
      limit: 1000,
      after,
    });
    ids.push(...page.items.map((recording) => recording.recordingId));
    after = page.next;
  } while (after !== null);
  return { ids, booking: null };
};

const recordings = projectionHandler<StoredRecording, RecordingFact, { ids: string[]; booking: BookingFact | null }>({
  collection: REPLAY_COLLECTIONS.recordings,
  indexes: [
    { name: 'by_clinic', fields: ['clinicId'] },
    { name: 'by_consultation', fields: ['consultationId'] },
    { name: 'by_clinic_patient', fields: ['clinicId', 'patientId'] },
    { name: 'by_clinic_clinician', fields: ['clinicId', 'clinicianId'] },
    { name: 'by_grantee_clinic', fields: ['granteeIds', 'clinicId'], array: 'granteeIds' },
  ],
  canHandle: ['RecordingStored', 'ShareGranted', ...BOOKING_FACT_EVENT_TYPES],
  lookup: recordingLookup,
  keyOf: (_event, found) => found.ids,
  evolve: (doc, event, found) => {
    if (event.type === 'ShareGranted')
      // A share is given on a listed recording, which this store holds already.
      return doc && { ...doc, granteeIds: [...new Set([...doc.granteeIds, event.data.granteeId])] };
    if (event.type !== 'RecordingStored') return doc && { ...doc, booking: evolveBookingFact(doc.booking, event) };
    // The first binding of a recording id is the one that counts; a later copy cannot re-bind it.
    if (doc) return doc;
    // Everything the policy and the stream need; the checksum and the uploader stay in the event.
    const { sha256: _sha256, uploadedBy: _uploadedBy, ...recording } = event.data;
    return { ...recording, booking: found.booking, storedAt: event.position, granteeIds: [] };
  },
});

const shares = projectionHandler<ConsentShare, ShareEvent>({
  collection: REPLAY_COLLECTIONS.shares,
  indexes: [
    { name: 'by_recording', fields: ['recordingId'] },
    { name: 'by_grantee', fields: ['granteeId'] },
  ],
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
