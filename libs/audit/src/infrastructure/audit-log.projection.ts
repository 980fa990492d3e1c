import { type ProjectionDefinition, projectionHandler, type ReadModelPage, type ReadModelStore, type StoredOf } from '@vgp/read-models';
import { AUDIT_LOG_PROJECTION } from '../application/audit-log.queries.js';
import { REPLAY_ACTIONS } from '../domain/access-log.js';
import { type AuditEntryRecorded, type AuditSource, BINDING_TYPES } from '../domain/audit-chain.js';

/** One document per chain entry, id = zero-padded seq, so id order is chain order. */
export const AUDIT_ENTRIES_COLLECTION = 'audit_entries';
/** The entries that teach authorization facts, id = zero-padded seq (chain order matters: later facts override or lose). */
export const AUDIT_BINDINGS_COLLECTION = 'audit_bindings';
/** What the chain's bindings say now about one recording, consultation or person (id `recording:<id>`, …). */
export const AUDIT_SUBJECTS_COLLECTION = 'audit_subjects';

/** Source types that teach the authorization facts the incident reconstruction folds. */
const FACT_TYPES: readonly string[] = [
  ...new Set([...BINDING_TYPES, 'ConsultationBooked', 'ConsultationCancelled', 'RecordingStored', 'ShareGranted', 'ShareRevoked']),
];
const PEOPLE_ROLES: readonly string[] = ['patient', 'clinician'];

/**
 * A stored entry: the entry itself (as JSON, so any source payload stays storable) plus its search fields,
 * resolved with every binding known now: the chain's own at chaining, widened when a late fact arrives.
 */
export type AuditEntryDocument = {
  seq: number;
  action: string;
  actorId: string;
  occurredAt: string;
  /** Milliseconds since the epoch (0 when unparseable): the replay timeline's order. */
  at: number;
  replay: boolean;
  clinicIds: string[];
  patientIds: string[];
  recordingIds: string[];
  consultationIds: string[];
  /** The actor whose booked clinics filed this entry (ADR 0022: no clinic of its own, nothing bound named): their later bookings file it too. */
  filedByPeopleOf: string | null;
  entry: string;
};

/** The chain's binding of one subject, as the chain's `learn` keeps it. */
export type SubjectDocument = {
  consultationId: string | null;
  patientId: string | null;
  clinicId: string | null;
  /** For a person: the clinics they were booked in. */
  clinicIds: string[];
};

export const seqKey = (seq: number): string => String(seq).padStart(15, '0');
export const recordingKey = (id: string): string => `recording:${id}`;
export const consultationKey = (id: string): string => `consultation:${id}`;
export const personKey = (id: string): string => `person:${id}`;

/** Pure: the document of one recorded entry, with the search fields the chain resolved when it chained it. */
export const foldAuditEntry = (
  _doc: AuditEntryDocument | null,
  { data: entry }: StoredOf<AuditEntryRecorded>,
  filedByPeople: boolean,
): AuditEntryDocument => {
  const parsed = Date.parse(entry.source.occurredAt);
  return {
    seq: entry.seq,
    action: entry.source.type,
    actorId: entry.source.actor.id,
    occurredAt: entry.source.occurredAt,
    at: Number.isNaN(parsed) ? 0 : parsed,
    replay: REPLAY_ACTIONS.includes(entry.sourceType),
    clinicIds: entry.clinicIds ?? (entry.clinicId ? [entry.clinicId] : []),
    patientIds: entry.patientIds,
    recordingIds: entry.recordingIds,
    consultationIds: entry.consultationIds,
    filedByPeopleOf: filedByPeople ? entry.source.actor.id : null,
    entry: JSON.stringify(entry),
  };
};

const dataOf = (source: AuditSource): Record<string, unknown> =>
  source.data !== null && typeof source.data === 'object' ? (source.data as Record<string, unknown>) : {};
const stringsOf = (value: unknown): string[] => {
  if (typeof value === 'string' && value.length > 0) return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [];
};
const first = (value: unknown): string | null => stringsOf(value)[0] ?? null;
const unique = (values: (string | null)[]): string[] => [...new Set(values.filter((v): v is string => !!v))];

/** The subjects whose binding a source changes (mirrors the chain's `learn`, so both agree). */
const subjectKeysOf = (source: AuditSource): { people: string[]; consultation: string | null; recording: string | null } => {
  const data = dataOf(source);
  const consultationId = first(data.consultationId);
  const recordingId = source.type === 'RecordingStored' ? first(data.recordingId) : null;
  const bindsConsultation = ['ConsultationBooked', 'CallStarted', 'RecordingStored'].includes(source.type) && consultationId !== null;
  return {
    people:
      first(data.clinicId) && BINDING_TYPES.includes(source.type)
        ? unique([...stringsOf(data.patientId), ...stringsOf(data.clinicianId)]).map(personKey)
        : [],
    consultation: bindsConsultation ? consultationKey(consultationId) : null,
    recording: recordingId ? recordingKey(recordingId) : null,
  };
};

type SubjectKind = 'person' | 'consultation' | 'recording';

/** Pure: one subject's binding after a source (a booking states who; a call start or a stored recording only fills in an unknown consultation). */
export const foldSubject = (kind: SubjectKind, doc: SubjectDocument | null, source: AuditSource): SubjectDocument => {
  const data = dataOf(source);
  const bound: SubjectDocument = { consultationId: null, patientId: first(data.patientId), clinicId: first(data.clinicId), clinicIds: [] };
  if (kind === 'person') return { ...(doc ?? bound), clinicIds: unique([...(doc?.clinicIds ?? []), bound.clinicId]) };
  if (kind === 'recording') return { ...bound, consultationId: first(data.consultationId) };
  return source.type === 'ConsultationBooked' ? bound : (doc ?? bound);
};

const subjectHandler = (kind: SubjectKind, keysOf: (keys: ReturnType<typeof subjectKeysOf>) => string[]) =>
  projectionHandler<SubjectDocument, AuditEntryRecorded>({
    collection: AUDIT_SUBJECTS_COLLECTION,
    canHandle: ['AuditEntryRecorded'],
    keyOf: (event) => keysOf(subjectKeysOf(event.data.source)),
    evolve: (doc, event) => foldSubject(kind, doc, event.data.source),
  });

/** Search fields a late fact adds to one entry; `bound`: a recording or consultation now names a clinic. */
export type EntryWidening = { patientIds: string[]; clinicIds: string[]; consultationIds: string[]; bound: boolean };
/** seq key → what it gains. */
export type Widenings = Map<string, EntryWidening>;

const PAGE = 1000;

/** The ids of every entry a query matches, page by page through its index. */
const idsWhere = async (readModels: ReadModelStore, where: Record<string, string | { contains: string }>): Promise<string[]> => {
  const ids: string[] = [];
  let after: string | null = null;
  do {
    const page: ReadModelPage<AuditEntryDocument> = await readModels.query<AuditEntryDocument>(AUDIT_ENTRIES_COLLECTION, {
      where,
      limit: PAGE,
      after,
    });
    ids.push(...page.items.map((doc) => seqKey(doc.seq)));
    after = page.next;
  } while (after !== null);
  return ids;
};

const subject = (readModels: ReadModelStore, key: string) => readModels.get<SubjectDocument>(AUDIT_SUBJECTS_COLLECTION, key);

/**
 * The entries a binding fact changes, found by index (entries naming the recording or the consultation, or
 * filed by the person's bookings), with what each gains: what the chain's bindings resolve for them now.
 * Entries chained after the fact were resolved with it already.
 */
export const widenedBy = async (event: StoredOf<AuditEntryRecorded>, readModels: ReadModelStore): Promise<Widenings> => {
  const { source, seq } = event.data;
  const widenings: Widenings = new Map();
  if (!BINDING_TYPES.includes(source.type)) return widenings;
  const keys = subjectKeysOf(source);
  const changed = async (kind: SubjectKind, key: string | null): Promise<SubjectDocument | null> => {
    if (key === null) return null;
    const before = await subject(readModels, key);
    const after = foldSubject(kind, before, source);
    return JSON.stringify(after) === JSON.stringify(before) ? null : after;
  };
  const widen = (ids: string[], add: EntryWidening) => {
    for (const id of ids) {
      if (id === seqKey(seq)) continue;
      const known = widenings.get(id);
      widenings.set(id, {
        patientIds: unique([...(known?.patientIds ?? []), ...add.patientIds]),
        clinicIds: unique([...(known?.clinicIds ?? []), ...add.clinicIds]),
        consultationIds: unique([...(known?.consultationIds ?? []), ...add.consultationIds]),
        bound: (known?.bound ?? false) || add.bound,
      });
    }
  };
  const consultation = await changed('consultation', keys.consultation);
  const recording = await changed('recording', keys.recording);
  if (recording && keys.recording) {
    const ofRecording = recording.consultationId
      ? (consultation ?? (await subject(readModels, consultationKey(recording.consultationId))))
      : null;
    const clinicIds = unique([recording.clinicId, ofRecording?.clinicId ?? null]);
    widen(await idsWhere(readModels, { recordingIds: { contains: idOf(keys.recording) } }), {
      consultationIds: unique([recording.consultationId]),
      patientIds: unique([recording.patientId, ofRecording?.patientId ?? null]),
      clinicIds,
      bound: clinicIds.length > 0,
    });
  }
  if (consultation && keys.consultation) {
    widen(await idsWhere(readModels, { consultationIds: { contains: idOf(keys.consultation) } }), {
      consultationIds: [],
      patientIds: unique([consultation.patientId]),
      clinicIds: unique([consultation.clinicId]),
      bound: consultation.clinicId !== null,
    });
  }
  for (const key of keys.people) {
    const person = await changed('person', key);
    if (person)
      widen(await idsWhere(readModels, { filedByPeopleOf: idOf(key) }), {
        consultationIds: [],
        patientIds: [],
        clinicIds: person.clinicIds,
        bound: false,
      });
  }
  return widenings;
};

const idOf = (key: string): string => key.slice(key.indexOf(':') + 1);

/** Pure: an entry with what a late fact adds; once a recording or consultation names a clinic, the actor's bookings no longer file it. */
export const widenEntry = (doc: AuditEntryDocument, widening: EntryWidening | undefined): AuditEntryDocument => {
  if (!widening) return doc;
  const byPeople = doc.filedByPeopleOf !== null && !widening.bound;
  return {
    ...doc,
    clinicIds: unique([...doc.clinicIds, ...(widening.bound || byPeople ? widening.clinicIds : [])]),
    patientIds: unique([...doc.patientIds, ...widening.patientIds]),
    consultationIds: unique([...doc.consultationIds, ...widening.consultationIds]),
    filedByPeopleOf: byPeople ? doc.filedByPeopleOf : null,
  };
};

/**
 * Whether the chain filed this entry by its actor's booked clinics (ADR 0022): an actor with no clinic of
 * its own, a patient or clinician, that named nothing bound to a clinic.
 */
const filedByPeople = async ({ data: entry }: StoredOf<AuditEntryRecorded>, readModels: ReadModelStore): Promise<boolean> => {
  const { actor } = entry.source;
  if (stringsOf(actor.clinicId).length > 0 || !PEOPLE_ROLES.includes(actor.role) || first(dataOf(entry.source).clinicId)) return false;
  const subjects = await Promise.all([
    ...entry.recordingIds.map((id) => subject(readModels, recordingKey(id))),
    ...entry.consultationIds.map((id) => subject(readModels, consultationKey(id))),
  ]);
  return !subjects.some((s) => s?.clinicId);
};

const byEntry = projectionHandler<AuditEntryDocument, AuditEntryRecorded, boolean>({
  collection: AUDIT_ENTRIES_COLLECTION,
  indexes: [
    { name: 'by_seq', fields: ['seq'], unique: true },
    { name: 'by_clinic', fields: ['clinicIds', 'seq'], array: 'clinicIds' },
    { name: 'by_patient', fields: ['patientIds', 'seq'], array: 'patientIds' },
    { name: 'by_patient_replay', fields: ['patientIds', 'replay', 'seq'], array: 'patientIds' },
    { name: 'by_recording', fields: ['recordingIds', 'seq'], array: 'recordingIds' },
    { name: 'by_consultation', fields: ['consultationIds', 'seq'], array: 'consultationIds' },
    { name: 'by_actor', fields: ['actorId', 'seq'] },
    { name: 'by_replay_time', fields: ['replay', 'at'] },
    { name: 'by_clinic_time', fields: ['clinicIds', 'at'], array: 'clinicIds' },
    { name: 'by_people_filing', fields: ['filedByPeopleOf'] },
  ],
  canHandle: ['AuditEntryRecorded'],
  lookup: filedByPeople,
  keyOf: (event) => seqKey(event.data.seq),
  evolve: (doc, event, people) => foldAuditEntry(doc, event, people),
});

/** Re-files the earlier entries a late binding fact changes (the entry of the fact itself is `byEntry`'s). */
const byLateFact = projectionHandler<AuditEntryDocument, AuditEntryRecorded, Widenings>({
  collection: AUDIT_ENTRIES_COLLECTION,
  canHandle: ['AuditEntryRecorded'],
  lookup: widenedBy,
  keyOf: (_event, widenings) => [...widenings.keys()],
  evolve: (doc, _event, widenings) => (doc ? widenEntry(doc, widenings.get(seqKey(doc.seq))) : null),
});

const byFact = projectionHandler<AuditEntryDocument, AuditEntryRecorded, undefined>({
  collection: AUDIT_BINDINGS_COLLECTION,
  indexes: [{ name: 'by_seq', fields: ['seq'], unique: true }],
  canHandle: ['AuditEntryRecorded'],
  keyOf: (event) => (FACT_TYPES.includes(event.data.sourceType) ? seqKey(event.data.seq) : null),
  evolve: (doc, event) => foldAuditEntry(doc, event, false),
});

/**
 * The `auditlog-main` chain folded into queryable documents, in the context's read-model store (SQLite
 * embedded, MongoDB distributed). Queried through `AuditLogReadModel`, every read through an index.
 */
export const auditLogProjection: ProjectionDefinition = {
  name: AUDIT_LOG_PROJECTION,
  categories: ['auditlog'],
  handlers: [
    byEntry,
    byLateFact,
    byFact,
    subjectHandler('person', (keys) => keys.people),
    subjectHandler('consultation', (keys) => (keys.consultation ? [keys.consultation] : [])),
    subjectHandler('recording', (keys) => (keys.recording ? [keys.recording] : [])),
  ],
};
