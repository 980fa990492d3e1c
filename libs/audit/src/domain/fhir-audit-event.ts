import { isIntegrationEventType, TOPICS, topicOf } from '@vgp/contracts';
import type { Owner, Ownership } from './access-log.js';
import type { AuditEntry } from './audit-chain.js';
import { InvalidFhirDate } from './audit.errors.js';

/**
 * Audit entries as FHIR R4 AuditEvent resources shaped after IHE Basic Audit Log Patterns (BALP):
 * one requesting agent (who.identifier = the actor id), the service as source.observer, the patient
 * and the recording as entities, and the chain entry (seq, hash, prevHash) as an extension.
 */
export const FHIR_SYSTEMS = {
  user: 'https://vgp.example/fhir/sid/user-id',
  patient: 'https://vgp.example/fhir/sid/patient-id',
  recording: 'https://vgp.example/fhir/sid/recording-id',
  service: 'https://vgp.example/fhir/sid/service',
  clinic: 'https://vgp.example/fhir/sid/clinic-id',
  role: 'https://vgp.example/fhir/CodeSystem/platform-role',
  chainExtension: 'https://vgp.example/fhir/StructureDefinition/audit-chain-entry',
  releaseExtension: 'https://vgp.example/fhir/StructureDefinition/software-release',
} as const;

const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/';

/** The replay events a BALP export covers: every list, grant, denial, view and consent share. */
export const FHIR_EXPORTED_TYPES: readonly string[] = [
  'ReplayListed',
  'ReplayGranted',
  'ReplayDenied',
  'ReplayStreamed',
  'ShareGranted',
  'ShareRevoked',
];

type Coding = { system: string; code: string; display: string };
type Interaction = 'read' | 'search' | 'create' | 'delete';

export type FhirAuditEvent = {
  resourceType: 'AuditEvent';
  id: string;
  meta?: { profile: string[] };
  extension: Record<string, unknown>[];
  type: Coding;
  subtype: Coding[];
  action: 'C' | 'R' | 'D' | 'E';
  recorded: string;
  outcome: '0' | '4';
  outcomeDesc?: string;
  agent: Record<string, unknown>[];
  source: Record<string, unknown>;
  entity: Record<string, unknown>[];
};

export type FhirBundle = {
  resourceType: 'Bundle';
  type: 'searchset';
  total: number;
  link: { relation: string; url: string }[];
  entry: { fullUrl: string; resource: FhirAuditEvent; search: { mode: 'match' } }[];
};

/** What of an entry an officer may see: only their clinic's patients and recordings. */
export type FhirScope = { patientIds: readonly string[]; recordingIds: readonly string[] };

const SERVICE_OF_TOPIC: Record<string, string> = {
  [TOPICS.consultation]: 'booking',
  [TOPICS.call]: 'signalling',
  [TOPICS.recording]: 'recording',
  [TOPICS.replay]: 'replay-access',
};

const interactionOf = (type: string, operation: unknown): Interaction => {
  if (type === 'ReplayListed' || (type === 'ReplayDenied' && operation === 'list')) return 'search';
  if (type === 'ShareGranted' || (type === 'ReplayDenied' && operation === 'share')) return 'create';
  if (type === 'ShareRevoked' || (type === 'ReplayDenied' && operation === 'revoke_share')) return 'delete';
  return 'read';
};

const ACTION: Record<Interaction, FhirAuditEvent['action']> = { read: 'R', search: 'E', create: 'C', delete: 'D' };
const PROFILE: Record<Interaction, string> = {
  read: 'IHE.BasicAudit.PatientRead',
  search: 'IHE.BasicAudit.PatientQuery',
  create: 'IHE.BasicAudit.PatientCreate',
  delete: 'IHE.BasicAudit.PatientDelete',
};

export const fhirAuditEventOf = (entry: AuditEntry, scope: FhirScope): FhirAuditEvent => {
  const { source } = entry;
  const data = (source.data ?? {}) as Record<string, unknown>;
  const interaction = interactionOf(source.type, data.operation);
  // Media bytes leaving the service are an export (DICOM 110106); everything else is a REST interaction.
  const exported = source.type === 'ReplayStreamed';
  const service = isIntegrationEventType(source.type) ? SERVICE_OF_TOPIC[topicOf(source.type)] : source.actor.id;
  const denied = source.type === 'ReplayDenied';
  const range =
    exported && typeof data.rangeStart === 'number' ? `${data.rangeStart}-${String(data.rangeEnd)}/${String(data.totalBytes)}` : null;
  return {
    resourceType: 'AuditEvent',
    id: source.id,
    ...(exported ? {} : { meta: { profile: [BALP + PROFILE[interaction]] } }),
    extension: [
      {
        url: FHIR_SYSTEMS.chainExtension,
        extension: [
          { url: 'seq', valueInteger: entry.seq },
          { url: 'hash', valueString: entry.hash },
          { url: 'prevHash', valueString: entry.prevHash },
          { url: 'sourceType', valueString: source.type },
        ],
      },
      {
        url: FHIR_SYSTEMS.releaseExtension,
        extension: [
          { url: 'softwareVersion', valueString: source.softwareVersion },
          ...source.featureFlags.map((flag) => ({ url: 'featureFlag', valueString: flag })),
        ],
      },
    ],
    type: exported
      ? { system: DCM, code: '110106', display: 'Export' }
      : { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'Restful Operation' },
    subtype: [{ system: RESTFUL_INTERACTION, code: interaction, display: interaction }],
    action: ACTION[interaction],
    recorded: source.occurredAt,
    outcome: denied ? '4' : '0',
    ...(denied && typeof data.reason === 'string' ? { outcomeDesc: data.reason } : {}),
    agent: [
      {
        type: {
          coding: [
            interaction === 'create' || interaction === 'delete'
              ? { system: PARTICIPATION_TYPE, code: 'AUT', display: 'author (originator)' }
              : { system: PARTICIPATION_TYPE, code: 'IRCP', display: 'information recipient' },
          ],
        },
        role: [{ coding: [{ system: FHIR_SYSTEMS.role, code: source.actor.role }] }],
        who: { identifier: { system: FHIR_SYSTEMS.user, value: source.actor.id } },
        requestor: true,
      },
    ],
    source: {
      ...(entry.clinicId ? { site: entry.clinicId } : {}),
      observer: { identifier: { system: FHIR_SYSTEMS.service, value: service }, display: `${service} ${source.softwareVersion}` },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: [
      ...scope.patientIds.map((patientId) => ({
        what: { type: 'Patient', identifier: { system: FHIR_SYSTEMS.patient, value: patientId } },
        type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
        role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
      })),
      ...scope.recordingIds.map((recordingId) => ({
        what: { type: 'DocumentReference', identifier: { system: FHIR_SYSTEMS.recording, value: recordingId } },
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
        ...(range ? { detail: [{ type: 'bytes', valueString: range }] } : {}),
      })),
    ],
  };
};

/** Search parameters of GET AuditEvent, parsed: ids without their `Type/` prefix, times as inclusive ms bounds. */
export type FhirAuditSearch = { patient?: string; agent?: string; entity?: string; earliest: number; latest: number };

/** `date` values: an optional prefix (eq, ge, gt, le, lt) and a day (UTC) or a date-time with offset. */
export const FHIR_DATE_PARAM = /^(eq|ge|gt|le|lt)?(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

const DAY_MS = 86_400_000;

/**
 * Turns FHIR `date` parameters into one inclusive range, honouring their precision: `ge2026-03-01`
 * starts at that day's first millisecond, `le2026-03-01` ends at its last, `gt`/`lt` exclude the
 * whole day, and no prefix (eq) means within it. Several values narrow the range together.
 */
export const fhirDateRange = (values: readonly string[]): { earliest: number; latest: number } => {
  let earliest = -Infinity;
  let latest = Infinity;
  for (const value of values) {
    const match = FHIR_DATE_PARAM.exec(value);
    if (!match) throw new InvalidFhirDate(value);
    const [, prefix = 'eq', day, time] = match;
    const midnight = Date.parse(`${day}T00:00:00.000Z`);
    // Date.parse rolls 2026-02-30 over into March; a day must read back as itself.
    if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== day) throw new InvalidFhirDate(value);
    const first = time ? Date.parse(`${day}${time}`) : midnight;
    if (Number.isNaN(first)) throw new InvalidFhirDate(value);
    const last = time ? first : first + DAY_MS - 1;
    if (prefix === 'ge' || prefix === 'eq') earliest = Math.max(earliest, first);
    if (prefix === 'gt') earliest = Math.max(earliest, last + 1);
    if (prefix === 'le' || prefix === 'eq') latest = Math.min(latest, last);
    if (prefix === 'lt') latest = Math.min(latest, first - 1);
  }
  return { earliest, latest };
};

/**
 * What of an entry an officer of `clinicId` may see: recordings and patients their clinic owns by
 * booking and recording facts. An entry filed under that clinic alone whose bindings are unknown
 * (a probe for a recording that does not exist) keeps what it named.
 */
export const fhirScopeOf = (entry: AuditEntry, owners: Ownership, clinicId: string): FhirScope => {
  const alone = entry.clinicIds.length === 1 && entry.clinicIds[0] === clinicId;
  const recordingIds = entry.recordingIds.filter((id) => {
    const owner = owners.ownerOfRecording(id);
    return owner ? owner.clinicId === clinicId : alone;
  });
  const patients = new Set<string>();
  const add = (owner: Owner | undefined) => {
    if (owner?.patientId && owner.clinicId === clinicId) patients.add(owner.patientId);
  };
  recordingIds.forEach((id) => add(owners.ownerOfRecording(id)));
  entry.consultationIds.forEach((id) => add(owners.ownerOfConsultation(id)));
  if (patients.size === 0 && alone) entry.patientIds.forEach((id) => patients.add(id));
  return { patientIds: [...patients], recordingIds };
};

/** True when an entry, as the officer may see it, matches the search. */
export const matchesFhirSearch = (entry: AuditEntry, scope: FhirScope, search: FhirAuditSearch): boolean => {
  const at = Date.parse(entry.source.occurredAt);
  if (!(at >= search.earliest && at <= search.latest)) return false;
  if (search.agent !== undefined && entry.source.actor.id !== search.agent) return false;
  if (search.patient !== undefined && !scope.patientIds.includes(search.patient)) return false;
  if (search.entity !== undefined && !scope.recordingIds.includes(search.entity) && !scope.patientIds.includes(search.entity)) return false;
  return true;
};

export const fhirSearchsetOf = (
  events: readonly FhirAuditEvent[],
  total: number,
  links: { self: string; next: string | null },
): FhirBundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total,
  link: [{ relation: 'self', url: links.self }, ...(links.next ? [{ relation: 'next', url: links.next }] : [])],
  entry: events.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource, search: { mode: 'match' } })),
});
