import { createHash } from 'node:crypto';
import { type Ownership } from './access-log.js';
import { type AuditEntry, decide, evolve, initialState } from './audit-chain.js';
import { InvalidFhirDate } from './audit.errors.js';
import { fhirAuditEventOf, fhirDateRange, fhirScopeOf, matchesFhirSearch } from './fhir-audit-event.js';
import { aHistory, MEDIA_SWITCH, recordingOf } from './testing/audit-history.builders.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const amira = recordingOf('patient-amira');
const zoe = recordingOf('patient-zoe');

/** The history chained, and who owns what, as the audit log projection knows it. */
const chained = () => {
  const h = aHistory()
    .booked(amira.consultationId, amira.patientId)
    .recorded(amira)
    .booked(zoe.consultationId, zoe.patientId, { clinicId: 'clinic-2' })
    .recorded(zoe, { clinicId: 'clinic-2' })
    .under(MEDIA_SWITCH)
    .listed('patient-ben', [amira, zoe])
    .streamed('patient-ben', amira, 0, 1023)
    .denied('patient-ben', amira)
    .shared('s1', amira, 'carer-cas', '2026-06-01T00:00:00.000Z');
  let state = initialState();
  const entries: AuditEntry[] = [];
  for (const { source } of h.events) {
    const [recorded] = decide({ type: 'RecordAuditEntry', source }, state, sha256);
    entries.push(recorded.data);
    state = evolve(state, recorded);
  }
  const owners: Ownership = {
    ownerOfRecording: (id) => state.recordings.get(id),
    ownerOfConsultation: (id) => state.consultations.get(id),
  };
  const byType = (type: string): AuditEntry => {
    const entry = entries.find((e) => e.sourceType === type);
    if (!entry) throw new Error(`no ${type} in the history`);
    return entry;
  };
  return { entries, owners, byType };
};

describe('audit entries as FHIR AuditEvents (IHE BALP)', () => {
  const { entries, owners, byType } = chained();
  const asSeenBy = (entry: AuditEntry, clinicId = 'clinic-1') => fhirAuditEventOf(entry, fhirScopeOf(entry, owners, clinicId));

  it('records media bytes that left the service as a DICOM Export read by the viewer, with the bytes and the chain entry', () => {
    const entry = byType('ReplayStreamed');
    const event = asSeenBy(entry);
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      id: entry.sourceEventId,
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106', display: 'Export' },
      subtype: [{ code: 'read' }],
      action: 'R',
      outcome: '0',
      recorded: entry.source.occurredAt,
      agent: [{ who: { identifier: { value: 'patient-ben' } }, requestor: true }],
      source: { site: 'clinic-1', observer: { identifier: { value: 'replay-access' }, display: 'replay-access 2.4.0' } },
    });
    expect(event.entity).toEqual([
      expect.objectContaining({
        what: { type: 'Patient', identifier: expect.objectContaining({ value: 'patient-amira' }) },
        role: expect.objectContaining({ code: '1' }),
      }),
      expect.objectContaining({
        what: { type: 'DocumentReference', identifier: expect.objectContaining({ value: amira.recordingId }) },
        detail: [{ type: 'bytes', valueString: '0-1023/10000000' }],
      }),
    ]);
    expect(event.extension[0]).toEqual({
      url: 'https://vgp.example/fhir/StructureDefinition/audit-chain-entry',
      extension: [
        { url: 'seq', valueInteger: entry.seq },
        { url: 'hash', valueString: entry.hash },
        { url: 'prevHash', valueString: entry.prevHash },
        { url: 'sourceType', valueString: 'ReplayStreamed' },
      ],
    });
    expect(event.extension[1].extension).toEqual([
      { url: 'softwareVersion', valueString: '2.4.0' },
      { url: 'featureFlag', valueString: 'media-switch' },
    ]);
  });

  it('records a list as a search (action E) and a refusal with outcome 4 and its reason', () => {
    expect(asSeenBy(byType('ReplayListed'))).toMatchObject({
      type: { code: 'rest' },
      subtype: [{ code: 'search' }],
      action: 'E',
      outcome: '0',
      meta: { profile: [expect.stringContaining('PatientQuery')] },
    });
    expect(asSeenBy(byType('ReplayDenied'))).toMatchObject({
      subtype: [{ code: 'read' }],
      action: 'R',
      outcome: '4',
      outcomeDesc: 'not_a_participant',
    });
    expect(asSeenBy(byType('ShareGranted'))).toMatchObject({ subtype: [{ code: 'create' }], action: 'C' });
  });

  it('shows each clinic only its own patients of a list that spanned clinics', () => {
    const listed = byType('ReplayListed');
    expect(fhirScopeOf(listed, owners, 'clinic-1')).toEqual({ patientIds: ['patient-amira'], recordingIds: [amira.recordingId] });
    expect(fhirScopeOf(listed, owners, 'clinic-2')).toEqual({ patientIds: ['patient-zoe'], recordingIds: [zoe.recordingId] });
  });

  it('finds events by patient, by agent and by entity', () => {
    const all = { earliest: -Infinity, latest: Infinity };
    const matching = (search: Parameters<typeof matchesFhirSearch>[2]) =>
      entries.filter((e) => matchesFhirSearch(e, fhirScopeOf(e, owners, 'clinic-1'), search)).map((e) => e.sourceType);
    expect(matching({ ...all, patient: 'patient-amira' })).toEqual([
      'ConsultationBooked',
      'RecordingStored',
      'ReplayListed',
      'ReplayStreamed',
      'ReplayDenied',
      'ShareGranted',
    ]);
    expect(matching({ ...all, agent: 'patient-ben' })).toEqual(['ReplayListed', 'ReplayStreamed', 'ReplayDenied']);
    expect(matching({ ...all, entity: amira.recordingId, agent: 'patient-ben' })).toEqual([
      'ReplayListed',
      'ReplayStreamed',
      'ReplayDenied',
    ]);
    expect(matching({ ...all, patient: 'patient-zoe' })).toEqual([]);
  });

  it('reads FHIR date prefixes with their precision', () => {
    const day = Date.parse('2026-03-01T00:00:00.000Z');
    expect(fhirDateRange(['ge2026-03-01', 'le2026-03-01'])).toEqual({ earliest: day, latest: day + 86_400_000 - 1 });
    expect(fhirDateRange(['2026-03-01'])).toEqual({ earliest: day, latest: day + 86_400_000 - 1 });
    expect(fhirDateRange(['gt2026-03-01', 'lt2026-03-05T10:00:00+02:00'])).toEqual({
      earliest: day + 86_400_000,
      latest: Date.parse('2026-03-05T08:00:00.000Z') - 1,
    });
    expect(fhirDateRange([])).toEqual({ earliest: -Infinity, latest: Infinity });
    expect(() => fhirDateRange(['ge2026-02-30'])).toThrow(InvalidFhirDate);
    expect(() => fhirDateRange(['ne2026-02-01'])).toThrow(InvalidFhirDate);
  });
});
