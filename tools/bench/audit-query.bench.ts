import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDbInstance, loadDuckDb } from './duckdb.loader.js';
import {
  type AuditEntry,
  auditLogProjection,
  AuditLogReadModel,
  type AuditSource,
  AUDIT_STREAM,
  decide,
  evolve,
  initialState,
  type Sha256,
} from '@vgp/audit';
import type { AuthenticatedUser } from '@vgp/auth';
import type { EventMetadata, Role } from '@vgp/contracts';
import { type NewEvent, SqliteEventStore } from '@vgp/event-store';
import { replayProjection, SqliteReadModelStore } from '@vgp/read-models';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the benchmark runs the handler behind GET /v1/audit/events as it is
import { type AuditEventPage, SearchAuditEventsHandler } from '../../libs/audit/src/application/search-audit-events.handler.js';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the same default page size as the controller
import { DEFAULT_AUDIT_PAGE } from '../../libs/audit/src/api/search-audit-events.request.dto.js';
import { type Benchmark, infoRow, mean, now, percentile, row, seededRandom } from './lib.js';

const TOTAL = 20_000;
const CLINICS = 4;
const PATIENTS = 1_000;
const CLINICIANS = 100;
const CONSULTATIONS = 2_000;
const PATIENT_QUERIES = 20;
const WINDOW_QUERIES = 10;
const WARMUP_QUERIES = 2;

const sha256: Sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * TOTAL inbox envelopes as the audit receives them: bookings and stored recordings first (the facts that
 * bind consultations and recordings to patients and clinics), then lists, grants and streams.
 */
const syntheticSources = (): AuditSource[] => {
  const random = seededRandom(42);
  const pick = (n: number) => Math.floor(random() * n);
  const start = Date.UTC(2026, 0, 1);
  const sources: AuditSource[] = [];
  const revisions = new Map<string, number>();
  const envelope = (type: string, consultationId: string, actor: { id: string; role: Role | 'system' }, data: unknown): AuditSource => {
    const streamId = `inbox-${consultationId}`;
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const at = start + sources.length * 25_000;
    return {
      id: randomUUID(),
      type,
      schemaVersion: 1,
      streamId,
      revision,
      occurredAt: new Date(at).toISOString(),
      correlationId: `corr-${sources.length}`,
      causationId: null,
      actor,
      softwareVersion: at < start + 15 * 86_400_000 ? '1.4.2' : '1.5.0',
      featureFlags: ['media-switch'],
      data,
    };
  };
  const consultations = Array.from({ length: CONSULTATIONS }, (_, i) => {
    const patient = i % PATIENTS;
    const clinic = patient % CLINICS;
    return {
      consultationId: randomUUID(),
      recordingId: randomUUID(),
      clinicId: `clinic-${clinic}`,
      patientId: `patient-${patient}`,
      clinicianId: `dr-${clinic + CLINICS * (i % (CLINICIANS / CLINICS))}`,
    };
  });
  const byPatient = new Map<string, typeof consultations>();
  const byClinician = new Map<string, typeof consultations>();
  for (const c of consultations) {
    byPatient.set(c.patientId, [...(byPatient.get(c.patientId) ?? []), c]);
    byClinician.set(c.clinicianId, [...(byClinician.get(c.clinicianId) ?? []), c]);
  }
  for (const c of consultations) {
    sources.push(
      envelope(
        'ConsultationBooked',
        c.consultationId,
        { id: 'admin-bench', role: 'clinic_admin' },
        {
          consultationId: c.consultationId,
          clinicId: c.clinicId,
          patientId: c.patientId,
          clinicianId: c.clinicianId,
          startsAt: '2026-01-05T09:00:00.000Z',
          durationMinutes: 20,
          mode: 'video',
        },
      ),
    );
  }
  for (const c of consultations) {
    sources.push(
      envelope(
        'RecordingStored',
        c.consultationId,
        { id: c.clinicianId, role: 'clinician' },
        {
          recordingId: c.recordingId,
          consultationId: c.consultationId,
          callId: randomUUID(),
          segmentId: randomUUID(),
          segmentSeq: 1,
          clinicId: c.clinicId,
          patientId: c.patientId,
          clinicianId: c.clinicianId,
          mode: 'video',
          contentType: 'video/webm',
          bytes: 1_048_576,
          sha256: sha256(c.recordingId),
          objectKey: `recordings/${c.recordingId}`,
          uploadedBy: c.clinicianId,
          recordedAt: '2026-01-05T09:05:00.000Z',
        },
      ),
    );
  }
  while (sources.length < TOTAL) {
    const c = consultations[pick(CONSULTATIONS)];
    const byClinicianView = random() < 0.4;
    const viewerId = byClinicianView ? c.clinicianId : c.patientId;
    const actor = { id: viewerId, role: (byClinicianView ? 'clinician' : 'patient') as Role };
    const kind = random();
    if (kind < 0.4) {
      const listed = (byClinicianView ? (byClinician.get(c.clinicianId) ?? []) : (byPatient.get(c.patientId) ?? [])).slice(0, 5);
      sources.push(
        envelope('ReplayListed', c.consultationId, actor, {
          listId: randomUUID(),
          viewerId,
          recordingIds: listed.map((l) => l.recordingId),
          patientIds: [...new Set(listed.map((l) => l.patientId))],
          consultationIds: listed.map((l) => l.consultationId),
        }),
      );
    } else if (kind < 0.7) {
      sources.push(
        envelope('ReplayGranted', c.consultationId, actor, {
          grantId: randomUUID(),
          viewerId,
          recordingId: c.recordingId,
          consultationId: c.consultationId,
          patientId: c.patientId,
          basis: 'participant',
          shareId: null,
          tokenSha256: sha256(viewerId),
          expiresAt: '2026-02-01T00:00:00.000Z',
          clinicId: c.clinicId,
        }),
      );
    } else {
      sources.push(
        envelope('ReplayStreamed', c.consultationId, actor, {
          grantId: randomUUID(),
          viewerId,
          recordingId: c.recordingId,
          consultationId: c.consultationId,
          patientId: c.patientId,
          rangeStart: 0,
          rangeEnd: 65_535,
          totalBytes: 1_048_576,
        }),
      );
    }
  }
  return sources;
};

// Every occurredAt here is UTC ISO 8601 with milliseconds, so text order is time order.
const metadata: EventMetadata = {
  correlationId: 'bench-audit',
  causationId: null,
  actor: { id: 'audit', role: 'system' },
  softwareVersion: '0.1.0-bench',
  featureFlags: [],
};

const QUERY_COLUMNS = `seq, event_id, action, occurred_at,
  json(source->'actor') AS actor, source->>'softwareVersion' AS software_version, json(source->'featureFlags') AS feature_flags,
  source->>'correlationId' AS correlation_id, source->>'causationId' AS causation_id, clinic_ids[1] AS clinic_id,
  patient_ids, recording_ids, consultation_ids, json(source->'data') AS data, hash, prev_hash`;

type Row = Record<string, unknown>;
/** DuckDB answers JSON columns as text; the audit answers objects: parse, so both do the whole job. */
const toItem = (r: Row): Row => ({
  ...r,
  actor: JSON.parse(r.actor as string),
  feature_flags: JSON.parse(r.feature_flags as string),
  data: JSON.parse(r.data as string),
});

export const auditQuery: Benchmark = {
  name: 'audit-query',
  title: "Audit query: GET /v1/audit/events filters (audit's indexed SQLite read model vs DuckDB)",
  measures:
    `${TOTAL.toLocaleString('en-US')} synthetic inbox envelopes (${CONSULTATIONS.toLocaleString('en-US')} ConsultationBooked, ${CONSULTATIONS.toLocaleString('en-US')} RecordingStored, ` +
    `then ReplayListed/ReplayGranted/ReplayStreamed in a 40/30/30 mix by ${PATIENTS.toLocaleString('en-US')} patients and ${CLINICIANS} clinicians in ${CLINICS} clinics) are ` +
    "folded into hash-chained `AuditEntry`s with the audit lib's own `decide`/`evolve`, appended to a `SqliteEventStore` as `auditlog-main`, and " +
    "loaded into the audit's read model on the embedded SQLite read-model store (`auditLogProjection` replayed from position 0, as a rebuild does; entries keep their resolved search fields, array-indexed). Each query runs the real `SearchAuditEventsHandler` " +
    '(the code behind `GET /v1/audit/events`) as a compliance officer of one clinic. Baseline: DuckDB (in memory) loads the same entries ' +
    'from the same data written as NDJSON and answers the same filter with SQL (`list_contains` on the index arrays, `ORDER BY seq LIMIT`), ' +
    `rows turned into JS objects with their JSON columns parsed. Queries: ${PATIENT_QUERIES} \`?patientId=\` (page size ${DEFAULT_AUDIT_PAGE}, ` +
    `fewer matches than a page; read through the patient index) and ${WINDOW_QUERIES} incident-window queries (\`?action=ReplayListed&from=&to=\` over 6 h, read through the clinic index, time and action narrowing each batch). ` +
    'Both answer the same seqs for every query (checked).',
  async run(progress) {
    const dir = mkdtempSync(join(tmpdir(), 'vgp-bench-audit-'));
    let store: SqliteEventStore | null = null;
    let readModels: SqliteReadModelStore | null = null;
    let duck: DuckDbInstance | null = null;
    try {
      progress.phase(`generating and folding ${TOTAL / 1000}k events into the audit chain`, 4);
      const sources = syntheticSources();
      progress.tick();
      let t0 = now();
      let state = initialState();
      const entries: AuditEntry[] = [];
      for (const source of sources) {
        const [recorded] = decide({ type: 'RecordAuditEntry', source }, state, sha256);
        state = evolve(state, recorded);
        entries.push(recorded.data);
      }
      const foldMs = now() - t0;
      progress.tick();

      store = new SqliteEventStore({ path: join(dir, 'audit.events.sqlite'), synchronous: 'NORMAL' });
      for (let i = 0; i < entries.length; i += 100) {
        const batch: NewEvent[] = entries
          .slice(i, i + 100)
          .map((data) => ({ id: randomUUID(), type: 'AuditEntryRecorded', data, metadata }));
        await store.append(AUDIT_STREAM, batch, 'any');
      }
      progress.tick();
      t0 = now();
      readModels = new SqliteReadModelStore({ path: join(dir, 'audit.read-models.sqlite') });
      await replayProjection(auditLogProjection, { eventStore: store, readModels });
      const projection = new AuditLogReadModel(readModels);
      const rebuildMs = now() - t0;
      progress.tick();

      progress.phase('loading DuckDB from NDJSON', 1);
      const file = join(dir, 'audit-entries.ndjson');
      writeFileSync(file, entries.map((e) => JSON.stringify(e)).join('\n'));
      t0 = now();
      duck = await loadDuckDb().DuckDBInstance.create(':memory:');
      const db = await duck.connect();
      await db.run(`CREATE TABLE audit AS SELECT seq, hash, prevHash AS prev_hash, clinicIds AS clinic_ids, patientIds AS patient_ids,
          recordingIds AS recording_ids, consultationIds AS consultation_ids, source->>'id' AS event_id, source->>'type' AS action,
          source->>'occurredAt' AS occurred_at, source->'actor'->>'id' AS actor_id, source
        FROM read_json('${file.replace(/'/g, "''")}', format = 'newline_delimited', columns = {seq: 'BIGINT', hash: 'VARCHAR', prevHash: 'VARCHAR',
          clinicIds: 'VARCHAR[]', patientIds: 'VARCHAR[]', recordingIds: 'VARCHAR[]', consultationIds: 'VARCHAR[]', source: 'JSON'})
        ORDER BY seq`);
      const duckLoadMs = now() - t0;
      progress.tick();

      const handler = new SearchAuditEventsHandler(projection, { caughtUp: async () => undefined });
      const clinicId = 'clinic-0';
      const officer: AuthenticatedUser = { id: 'compliance-bench', roles: ['compliance_officer'], clinicId };
      const byPatient = await db.prepare(`SELECT ${QUERY_COLUMNS} FROM audit
        WHERE list_contains(clinic_ids, $1) AND list_contains(patient_ids, $2) ORDER BY seq LIMIT $3`);
      const byWindow = await db.prepare(`SELECT ${QUERY_COLUMNS} FROM audit
        WHERE list_contains(clinic_ids, $1) AND action = $2 AND occurred_at >= $3 AND occurred_at < $4
        ORDER BY seq LIMIT $5`);

      type Query = {
        label: string;
        filters: { patientId?: string; action?: string; from?: string; to?: string };
        duck(): Promise<number[]>;
      };
      const random = seededRandom(7);
      const patientQueries: Query[] = Array.from({ length: WARMUP_QUERIES + PATIENT_QUERIES }, () => {
        const patientId = `patient-${CLINICS * Math.floor(random() * (PATIENTS / CLINICS))}`; // clinic-0's patients
        return {
          label: 'patient',
          filters: { patientId },
          duck: async () => {
            byPatient.bindVarchar(1, clinicId);
            byPatient.bindVarchar(2, patientId);
            byPatient.bindInteger(3, DEFAULT_AUDIT_PAGE + 1);
            return (await byPatient.runAndReadAll())
              .getRowObjectsJson()
              .map(toItem)
              .map((r) => Number(r.seq));
          },
        };
      });
      const firstReplay = Date.parse(sources[2 * CONSULTATIONS].occurredAt);
      const lastReplay = Date.parse(sources[sources.length - 1].occurredAt);
      const windowQueries: Query[] = Array.from({ length: WARMUP_QUERIES + WINDOW_QUERIES }, () => {
        const from = new Date(firstReplay + Math.floor(random() * (lastReplay - firstReplay - 6 * 3_600_000))).toISOString();
        const to = new Date(Date.parse(from) + 6 * 3_600_000).toISOString();
        return {
          label: 'window',
          filters: { action: 'ReplayListed', from, to },
          duck: async () => {
            byWindow.bindVarchar(1, clinicId);
            byWindow.bindVarchar(2, 'ReplayListed');
            byWindow.bindVarchar(3, from);
            byWindow.bindVarchar(4, to);
            byWindow.bindInteger(5, DEFAULT_AUDIT_PAGE + 1);
            return (await byWindow.runAndReadAll())
              .getRowObjectsJson()
              .map(toItem)
              .map((r) => Number(r.seq));
          },
        };
      });

      const measure = async (queries: Query[]) => {
        const audit: number[] = [];
        const duckMs: number[] = [];
        let matches = 0;
        for (const [i, query] of queries.entries()) {
          let t = now();
          const page: AuditEventPage = await handler.execute({ officer, filters: { ...query.filters, limit: DEFAULT_AUDIT_PAGE } });
          const auditMs = now() - t;
          t = now();
          const seqs = await query.duck();
          const ms = now() - t;
          // DuckDB fetched one row more, to know whether there is a next page, as the handler does.
          const expected = page.items.map((item) => item.seq);
          if (JSON.stringify(seqs.slice(0, DEFAULT_AUDIT_PAGE)) !== JSON.stringify(expected)) {
            throw new Error(`DuckDB and the audit disagree on ${JSON.stringify(query.filters)}: ${seqs.length} vs ${expected.length} rows`);
          }
          if (i >= WARMUP_QUERIES) {
            audit.push(auditMs);
            duckMs.push(ms);
            matches += expected.length;
          }
          progress.tick();
        }
        return { audit, duck: duckMs, matches: matches / (queries.length - WARMUP_QUERIES) };
      };
      progress.phase('?patientId= queries (audit, then DuckDB)', patientQueries.length);
      const patients = await measure(patientQueries);
      progress.phase('incident-window queries (audit, then DuckDB)', windowQueries.length);
      const windows = await measure(windowQueries);

      return {
        tables: [
          {
            title: `GET /v1/audit/events?patientId=X (${PATIENT_QUERIES} patients, ${num1(patients.matches)} entries each on average)`,
            resultLabel: 'audit projection (SearchAuditEventsHandler)',
            baselineLabel: 'DuckDB',
            rows: [
              row('mean ms per query', mean(patients.audit), mean(patients.duck), 'ms', false),
              row('p50 ms per query', percentile(patients.audit, 50), percentile(patients.duck, 50), 'ms', false),
              row('p99 ms per query', percentile(patients.audit, 99), percentile(patients.duck, 99), 'ms', false),
            ],
          },
          {
            title: `GET /v1/audit/events?action=ReplayListed&from=&to= (6 h windows, ${WINDOW_QUERIES} queries, ${num1(windows.matches)} entries each on average)`,
            resultLabel: 'audit projection (SearchAuditEventsHandler)',
            baselineLabel: 'DuckDB',
            rows: [
              row('mean ms per query', mean(windows.audit), mean(windows.duck), 'ms', false),
              row('p50 ms per query', percentile(windows.audit, 50), percentile(windows.duck, 50), 'ms', false),
              row('p99 ms per query', percentile(windows.audit, 99), percentile(windows.duck, 99), 'ms', false),
            ],
          },
          {
            title: `Loading ${TOTAL / 1000}k entries (not part of the query times)`,
            resultLabel: 'audit',
            baselineLabel: 'DuckDB',
            rows: [
              infoRow('fold sources into the chain (decide/evolve with SHA-256)', `${num1(foldMs)} ms`, '-'),
              infoRow(
                'rebuild the read model (projection from SQLite / read_json into a table)',
                `${num1(rebuildMs)} ms`,
                `${num1(duckLoadMs)} ms`,
                `${(rebuildMs / duckLoadMs).toFixed(2)}×`,
              ),
            ],
          },
        ],
        notes: [],
      };
    } finally {
      await readModels?.close();
      await store?.close();
      duck?.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

const num1 = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });
