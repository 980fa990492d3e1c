/*
 * The chain's bindings (`learn`, `indexOf`) are the audit's own fold of booking and recording facts, on
 * purpose: the audit re-derives who a recording belongs to independently of the contexts it audits
 * (invariant 5), so it does not use the shared `evolveBookingFact`.
 */
import type { EventEnvelope } from '@vgp/contracts';
import type { Decider } from '@vgp/domain';

/** Lower-case hex SHA-256 of a UTF-8 string; injected so the domain stays free of node:crypto. */
export type Sha256 = (text: string) => string;

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_STREAM = 'auditlog-main';

/** The event as the context that caused it recorded it (the envelope, without any store position). */
export type AuditSource = EventEnvelope;

/** What compliance searches by; derived from the source and the booking facts seen before it. */
export type AuditIndex = {
  /** The first clinic the event touches, null when none is known yet. */
  clinicId: string | null;
  /** Every clinic the event touches: a list spanning clinics must show in each clinic's audit. */
  clinicIds: string[];
  patientIds: string[];
  recordingIds: string[];
  consultationIds: string[];
};

export type AuditEntry = AuditIndex & {
  seq: number;
  sourceEventId: string;
  sourceType: string;
  sourceStreamId: string;
  prevHash: string;
  hash: string;
  source: AuditSource;
};

export type RecordAuditEntry = { type: 'RecordAuditEntry'; source: AuditSource };
export type AuditEntryRecorded = { type: 'AuditEntryRecorded'; data: AuditEntry };

/** The bindings learnt from authoritative facts only: booking, call start, stored recordings. */
export type ConsultationFacts = { clinicId?: string; patientId?: string };
export type RecordingFacts = { consultationId?: string; patientId?: string; clinicId?: string };

export type AuditChainState = {
  seq: number;
  headHash: string;
  /**
   * Owned by one folder and updated in place, so folding a long history stays linear; every
   * fold starts from `initialState()`.
   */
  chained: Set<string>;
  consultations: Map<string, ConsultationFacts>;
  recordings: Map<string, RecordingFacts>;
  /** The clinics each patient or clinician takes part in, from booking facts. */
  people: Map<string, Set<string>>;
};

export const initialState = (): AuditChainState => ({
  seq: 0,
  headHash: GENESIS_HASH,
  chained: new Set(),
  consultations: new Map(),
  recordings: new Map(),
  people: new Map(),
});

/** JSON with object keys sorted at every depth and no whitespace: the same value always hashes the same. */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
};

export const entryHash = (sha256: Sha256, entry: { seq: number; prevHash: string; source: AuditSource }): string =>
  sha256(canonicalJson({ seq: entry.seq, prevHash: entry.prevHash, source: entry.source }));

/** Chains a source event once: a redelivered or replayed event id yields nothing. */
export const decide = (command: RecordAuditEntry, state: AuditChainState, sha256: Sha256): AuditEntryRecorded[] => {
  const { source } = command;
  if (state.chained.has(source.id)) return [];
  const seq = state.seq + 1;
  const prevHash = state.headHash;
  return [
    {
      type: 'AuditEntryRecorded',
      data: {
        seq,
        sourceEventId: source.id,
        sourceType: source.type,
        sourceStreamId: source.streamId,
        prevHash,
        hash: entryHash(sha256, { seq, prevHash, source }),
        ...indexOf(state, source),
        source,
      },
    },
  ];
};

export const evolve = (state: AuditChainState, event: AuditEntryRecorded): AuditChainState => {
  const { data } = event;
  state.chained.add(data.sourceEventId);
  learn(state, data.source);
  return { ...state, seq: data.seq, headHash: data.hash };
};

export const auditChainDecider: Decider<RecordAuditEntry, AuditEntryRecorded, AuditChainState, Sha256> = { decide, evolve, initialState };

/** The id of the chain entry of a source event: a second attempt to chain it collides instead of duplicating. */
export const entryEventId = (sha256: Sha256, sourceEventId: string): string => {
  const h = sha256(`audit-entry:${sourceEventId}`);
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Patients, recordings, consultations and clinics an event touches, from its data and earlier facts. */
export const indexOf = (state: AuditChainState, source: AuditSource): AuditIndex => {
  const data = dataOf(source);
  const recordingIds = unique([...strings(data.recordingId), ...strings(data.recordingIds)]);
  const recordings = recordingIds.map((id) => state.recordings.get(id) ?? {});
  const consultationIds = unique([
    ...strings(data.consultationId),
    ...strings(data.consultationIds),
    ...recordings.flatMap((r) => strings(r.consultationId)),
  ]);
  const consultations = consultationIds.map((id) => state.consultations.get(id) ?? {});
  const patientIds = unique([
    ...strings(data.patientId),
    ...strings(data.patientIds),
    ...recordings.flatMap((r) => strings(r.patientId)),
    ...consultations.flatMap((c) => strings(c.patientId)),
  ]);
  const touched = unique([
    ...strings(data.clinicId),
    ...recordings.flatMap((r) => strings(r.clinicId)),
    ...consultations.flatMap((c) => strings(c.clinicId)),
  ]);
  const clinicIds = filingClinics(state, source, touched);
  return { clinicId: clinicIds[0] ?? null, clinicIds, patientIds, recordingIds, consultationIds };
};

/**
 * The clinics whose audit holds an event (ADR 0022).
 * - An actor that acted under a verified token names its clinic: the event is filed under the clinics
 *   owning what it named AND the actor's clinic, so a cross-clinic access shows in both, and a probe
 *   that names nothing known (an empty list, a guessed id) shows in the clinic the caller acted in,
 *   whatever that user id has booked elsewhere.
 * - An actor without a clinic (the platform itself, or an event recorded before the actor had one)
 *   keeps the rule its entry was chained under, unchanged so that old chains still verify: what it
 *   touched, else the clinics of the patient's or clinician's bookings.
 */
const filingClinics = (state: AuditChainState, source: AuditSource, touched: string[]): string[] => {
  const [actorClinicId] = strings(source.actor.clinicId);
  if (actorClinicId) return unique([...touched, actorClinicId]);
  return touched.length > 0 || !PEOPLE_ROLES.includes(source.actor.role) ? touched : [...(state.people.get(source.actor.id) ?? [])];
};

/**
 * Only the owning contexts' facts bind a consultation or a recording to a patient and a clinic.
 * What replay-access says is what is being audited, so it never teaches the audit a binding.
 */
const learn = (state: AuditChainState, source: AuditSource): void => {
  const data = dataOf(source);
  const [consultationId] = strings(data.consultationId);
  const [clinicId] = strings(data.clinicId);
  const [patientId] = strings(data.patientId);
  if (clinicId && BINDING_TYPES.includes(source.type)) {
    for (const person of [...strings(data.patientId), ...strings(data.clinicianId)]) {
      const clinics = state.people.get(person) ?? new Set<string>();
      state.people.set(person, clinics.add(clinicId));
    }
  }
  if (source.type === 'ConsultationBooked' && consultationId) {
    state.consultations.set(consultationId, { clinicId, patientId });
  } else if (source.type === 'CallStarted' && consultationId && !state.consultations.has(consultationId)) {
    state.consultations.set(consultationId, { clinicId, patientId });
  } else if (source.type === 'RecordingStored') {
    const [recordingId] = strings(data.recordingId);
    if (recordingId) state.recordings.set(recordingId, { consultationId, patientId, clinicId });
    if (consultationId && !state.consultations.has(consultationId)) state.consultations.set(consultationId, { clinicId, patientId });
  }
};

/** The source types that teach the audit who a consultation or recording belongs to. */
export const BINDING_TYPES: readonly string[] = ['ConsultationBooked', 'CallStarted', 'RecordingStored'];
const PEOPLE_ROLES: readonly string[] = ['patient', 'clinician'];

export type ChainProblem = 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'index_mismatch';

export type ChainVerification = {
  ok: boolean;
  entries: number;
  headHash: string;
  firstBrokenSeq?: number;
  problem?: ChainProblem;
};

/**
 * Recomputes the chain in stored order and names the first entry that does not hold: a seq out of
 * place (deletion, reordering), a prevHash that is not the previous hash, a hash that does not
 * match the content (an edit), or search fields that the source does not justify.
 * A deleted tail is only visible against a checkpoint of the head taken earlier.
 */
export const verifyChain = (entries: readonly AuditEntry[], sha256: Sha256): ChainVerification => {
  const verifier = chainVerifier(sha256);
  entries.forEach(verifier.push);
  return verifier.result();
};

/**
 * `verifyChain` fed one entry at a time, in stored order: it holds the chain's state (bindings, chained
 * ids), never the entries, so a full verify streams the chain in batches.
 */
export const chainVerifier = (sha256: Sha256) => {
  let state = initialState();
  let entries = 0;
  let headHash = GENESIS_HASH;
  let broken: { firstBrokenSeq: number; problem: ChainProblem } | null = null;
  const check = (entry: AuditEntry, expectedSeq: number): ChainProblem | null => {
    if (entry.seq !== expectedSeq) return 'seq_gap';
    if (entry.prevHash !== state.headHash) return 'prev_hash_mismatch';
    if (entryHash(sha256, entry) !== entry.hash) return 'hash_mismatch';
    // Nothing decided (an id chained twice) or other search fields: the entry is not what chaining its source gives.
    const expected = decide({ type: 'RecordAuditEntry', source: entry.source }, state, sha256).map((event) => withoutSource(event.data));
    if (canonicalJson(expected) !== canonicalJson([withoutSource(entry)])) return 'index_mismatch';
    return null;
  };
  return {
    push: (entry: AuditEntry): void => {
      entries++;
      headHash = entry.hash;
      if (broken) return;
      const problem = check(entry, entries);
      if (problem) broken = { firstBrokenSeq: entries, problem };
      else state = evolve(state, { type: 'AuditEntryRecorded', data: entry });
    },
    /** How many entries were pushed. */
    count: (): number => entries,
    result: (): ChainVerification => (broken ? { ok: false, entries, headHash, ...broken } : { ok: true, entries, headHash }),
  };
};

const withoutSource = ({ source: _source, ...rest }: AuditEntry) => rest;

const dataOf = (source: AuditSource): Record<string, unknown> =>
  source.data !== null && typeof source.data === 'object' ? (source.data as Record<string, unknown>) : {};

const strings = (value: unknown): string[] => {
  if (typeof value === 'string' && value.length > 0) return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [];
};

const unique = (values: string[]): string[] => [...new Set(values)];
