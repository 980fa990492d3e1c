import type { AuthorizationFacts } from './authorization-facts.js';
import {
  type AuditedEvent,
  clinicsConcerned,
  consultationOf,
  entitlementOf,
  exposedPatientOf,
  holdsPatientContent,
  type ReplayAccess,
  replayAccessesOf,
  type UnjustifiedReason,
} from './exposure-detector.js';

/**
 * The three kinds of affected user the incident's operator had to tell apart, least to most severe:
 * - shown_in_list: the recording appeared in their replay list, and that is all;
 * - opened_no_patient_content: they opened (were granted or streamed) a recording that holds no
 *   patient content (see `holdsPatientContent`);
 * - started_playback: they were granted or streamed a recording that holds patient content.
 */
export const EXPOSURE_CLASSES = ['shown_in_list', 'opened_no_patient_content', 'started_playback'] as const;
export type ExposureClass = (typeof EXPOSURE_CLASSES)[number];

const severity = (c: ExposureClass): number => EXPOSURE_CLASSES.indexOf(c);
const worse = (a: ExposureClass, b: ExposureClass): ExposureClass => (severity(b) > severity(a) ? b : a);

export type IncidentQuery = {
  /** Inclusive start and exclusive end of the window (ISO). */
  from: string;
  to: string;
  /** Only accesses served by this release; null for every release. */
  softwareVersion: string | null;
  /** The officer's clinic: only exposures of its recordings (or, for unknown recordings, its people). */
  clinicId: string;
};

/** Inclusive byte positions. */
export type ByteSpan = { start: number; end: number };
export type PlayedRecording = { recordingId: string; totalBytes: number; patientContent: boolean; ranges: ByteSpan[]; bytesPlayed: number };
export type Release = { softwareVersion: string; featureFlags: string[] };

/** Everything one viewer was wrongly let see of one patient's recordings in the window. */
export type Exposure = {
  viewerId: string;
  viewerRoles: string[];
  /** Null only when no fact and no event names the recording's patient. */
  patientId: string | null;
  clinicId: string | null;
  classification: ExposureClass;
  recordingIds: string[];
  consultationIds: string[];
  firstAt: string;
  lastAt: string;
  events: { listed: number; granted: number; streamed: number };
  /** What was streamed, per recording, with the byte ranges merged. */
  played: PlayedRecording[];
  releases: Release[];
  /** Why booking facts do not justify it. */
  reasons: UnjustifiedReason[];
  /** The audit chain entries that prove it. */
  auditSeqs: number[];
};

export type ViewerOfPatient = { viewerId: string; classification: ExposureClass };
export type AffectedPatient = { patientId: string; classification: ExposureClass; exposures: number; viewers: ViewerOfPatient[] };
export type AffectedViewer = { viewerId: string; classification: ExposureClass; patients: number };

export type IncidentReport = {
  window: { from: string; to: string };
  softwareVersion: string | null;
  exposures: Exposure[];
  affectedPatients: AffectedPatient[];
  viewers: AffectedViewer[];
  /** Viewers by their most severe exposure, and the number of patients affected. */
  summary: { shownInList: number; startedPlayback: number; openedNoPatientContent: number; patientsAffected: number };
};

export const classifyAccess = (facts: AuthorizationFacts, access: ReplayAccess): ExposureClass => {
  if (access.kind === 'listed') return 'shown_in_list';
  return holdsPatientContent(facts, access) ? 'started_playback' : 'opened_no_patient_content';
};

type Draft = {
  exposure: Omit<Exposure, 'recordingIds' | 'consultationIds' | 'played' | 'releases' | 'reasons' | 'auditSeqs' | 'viewerRoles'>;
  firstMs: number;
  lastMs: number;
  roles: Set<string>;
  recordingIds: Set<string>;
  consultationIds: Set<string>;
  played: Map<string, { totalBytes: number; patientContent: boolean; ranges: ByteSpan[] }>;
  releases: Map<string, Release>;
  reasons: Set<UnjustifiedReason>;
  seqs: Set<number>;
};

/**
 * Replays the window's list, grant and stream events against booking facts and reports every
 * access they do not justify, grouped by viewer and patient. Legitimate access never appears.
 * `events` may hold anything; only replay accesses inside [from, to) of the release count.
 */
export const reconstructIncident = (facts: AuthorizationFacts, events: Iterable<AuditedEvent>, query: IncidentQuery): IncidentReport => {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  const drafts = new Map<string, Draft>();
  for (const event of events) {
    const at = Date.parse(event.source.occurredAt);
    if (!(at >= from && at < to)) continue;
    if (query.softwareVersion !== null && event.source.softwareVersion !== query.softwareVersion) continue;
    for (const access of replayAccessesOf(event)) {
      const entitlement = entitlementOf(facts, access);
      if (entitlement.entitled) continue;
      const clinics = clinicsConcerned(facts, access);
      if (!clinics.includes(query.clinicId)) continue;
      const patientId = exposedPatientOf(facts, access);
      const key = `${access.viewerId}\u0000${patientId ?? ''}`;
      let draft = drafts.get(key);
      if (!draft) {
        draft = {
          exposure: {
            viewerId: access.viewerId,
            patientId,
            clinicId: query.clinicId,
            classification: 'shown_in_list',
            firstAt: access.occurredAt,
            lastAt: access.occurredAt,
            events: { listed: 0, granted: 0, streamed: 0 },
          },
          firstMs: at,
          lastMs: at,
          roles: new Set(),
          recordingIds: new Set(),
          consultationIds: new Set(),
          played: new Map(),
          releases: new Map(),
          reasons: new Set(),
          seqs: new Set(),
        };
        drafts.set(key, draft);
      }
      addAccess(draft, facts, access, at, entitlement.reason);
    }
  }
  const exposures = [...drafts.values()]
    .map(finish)
    .sort(
      (a, b) =>
        severity(b.classification) - severity(a.classification) ||
        Date.parse(a.firstAt) - Date.parse(b.firstAt) ||
        cmp(a.viewerId, b.viewerId) ||
        cmp(a.patientId ?? '', b.patientId ?? ''),
    );
  return { window: { from: query.from, to: query.to }, softwareVersion: query.softwareVersion, exposures, ...whoWasAffected(exposures) };
};

const addAccess = (draft: Draft, facts: AuthorizationFacts, access: ReplayAccess, at: number, reason: UnjustifiedReason): void => {
  const { exposure } = draft;
  exposure.classification = worse(exposure.classification, classifyAccess(facts, access));
  exposure.events[access.kind]++;
  if (at < draft.firstMs) [draft.firstMs, exposure.firstAt] = [at, access.occurredAt];
  if (at > draft.lastMs) [draft.lastMs, exposure.lastAt] = [at, access.occurredAt];
  draft.roles.add(access.viewerRole);
  draft.recordingIds.add(access.recordingId);
  const consultationId = consultationOf(facts, access);
  if (consultationId) draft.consultationIds.add(consultationId);
  draft.reasons.add(reason);
  draft.seqs.add(access.seq);
  const flags = [...access.featureFlags].sort();
  draft.releases.set(`${access.softwareVersion}\u0000${flags.join(',')}`, { softwareVersion: access.softwareVersion, featureFlags: flags });
  if (access.kind === 'streamed' && access.range) {
    const recording = facts.recordings.get(access.recordingId);
    const played = draft.played.get(access.recordingId) ?? {
      totalBytes: recording?.bytes ?? access.range.total,
      patientContent: holdsPatientContent(facts, access),
      ranges: [],
    };
    // A stream of an empty recording sends no byte, whatever positions it reports.
    if (access.range.total > 0 && access.range.end >= access.range.start)
      played.ranges.push({ start: access.range.start, end: access.range.end });
    draft.played.set(access.recordingId, played);
  }
};

const finish = (draft: Draft): Exposure => ({
  ...draft.exposure,
  viewerRoles: [...draft.roles].sort(),
  recordingIds: [...draft.recordingIds].sort(),
  consultationIds: [...draft.consultationIds].sort(),
  played: [...draft.played.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([recordingId, p]) => {
      const ranges = mergeByteSpans(p.ranges);
      return {
        recordingId,
        totalBytes: p.totalBytes,
        patientContent: p.patientContent,
        ranges,
        bytesPlayed: ranges.reduce((n, r) => n + r.end - r.start + 1, 0),
      };
    }),
  releases: [...draft.releases.values()].sort(
    (a, b) => cmp(a.softwareVersion, b.softwareVersion) || cmp(a.featureFlags.join(','), b.featureFlags.join(',')),
  ),
  reasons: [...draft.reasons].sort(),
  auditSeqs: [...draft.seqs].sort((a, b) => a - b),
});

/** Overlapping or touching inclusive ranges become one. */
export const mergeByteSpans = (spans: readonly ByteSpan[]): ByteSpan[] => {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: ByteSpan[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end + 1) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
};

const whoWasAffected = (exposures: Exposure[]): Pick<IncidentReport, 'affectedPatients' | 'viewers' | 'summary'> => {
  const patients = new Map<string, AffectedPatient>();
  const viewers = new Map<string, AffectedViewer>();
  for (const e of exposures) {
    const viewer = viewers.get(e.viewerId) ?? { viewerId: e.viewerId, classification: e.classification, patients: 0 };
    viewer.classification = worse(viewer.classification, e.classification);
    if (e.patientId !== null) viewer.patients++;
    viewers.set(e.viewerId, viewer);
    if (e.patientId === null) continue;
    const patient = patients.get(e.patientId) ?? { patientId: e.patientId, classification: e.classification, exposures: 0, viewers: [] };
    patient.classification = worse(patient.classification, e.classification);
    patient.exposures++;
    patient.viewers.push({ viewerId: e.viewerId, classification: e.classification });
    patients.set(e.patientId, patient);
  }
  const bySeverity =
    <T extends { classification: ExposureClass }>(key: (t: T) => string) =>
    (a: T, b: T) =>
      severity(b.classification) - severity(a.classification) || cmp(key(a), key(b));
  const viewerList = [...viewers.values()].sort(bySeverity((v) => v.viewerId));
  const count = (c: ExposureClass) => viewerList.filter((v) => v.classification === c).length;
  return {
    affectedPatients: [...patients.values()].sort(bySeverity((p) => p.patientId)),
    viewers: viewerList,
    summary: {
      shownInList: count('shown_in_list'),
      startedPlayback: count('started_playback'),
      openedNoPatientContent: count('opened_no_patient_content'),
      patientsAffected: patients.size,
    },
  };
};

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
