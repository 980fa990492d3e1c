import { createHash } from 'node:crypto';
import { accessLogItemFor, type Ownership } from './access-log.js';
import { type AuditEntry, type AuditIndex, decide, evolve, initialState, verifyChain } from './audit-chain.js';
import { authorizationFactsOf } from './authorization-facts.js';
import { fhirScopeOf } from './fhir-audit-event.js';
import { reconstructIncident } from './incident-reconstruction.js';
import { aHistory, recordingOf } from './testing/audit-history.builders.js';

/*
 * The clinic of every event (ADR 0022): an event whose actor acted under a verified token is filed
 * under the clinics owning what it named and under the token's clinic; an event recorded before the
 * actor had a clinic keeps the rule it was chained under.
 */

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

type History = ReturnType<typeof aHistory>;

/** Chains the history the way the audit appender does. */
const chainOf = (history: History) => {
  let state = initialState();
  const entries: AuditEntry[] = [];
  for (const { source } of history.events) {
    for (const recorded of decide({ type: 'RecordAuditEntry', source }, state, sha256)) {
      entries.push(recorded.data);
      state = evolve(state, recorded);
    }
  }
  const owners: Ownership = {
    ownerOfRecording: (id) => state.recordings.get(id),
    ownerOfConsultation: (id) => state.consultations.get(id),
  };
  return { entries, owners };
};

const indexOfEntry = ({ clinicId, clinicIds, patientIds, recordingIds, consultationIds }: AuditEntry): AuditIndex => ({
  clinicId,
  clinicIds,
  patientIds,
  recordingIds,
  consultationIds,
});

/** Given a history, when one more event happens, then its chain entry is filed as expected. */
const given = (history: History) => ({
  when: (happens: (h: History) => unknown) => {
    const before = history.events.length;
    happens(history);
    const { entries, owners } = chainOf(history);
    const entry = entries[before];
    return {
      entry,
      owners,
      thenFiledUnder: (clinicIds: string[]) => expect(entry.clinicIds).toEqual(clinicIds),
      thenIndexedAs: (index: AuditIndex) => expect(indexOfEntry(entry)).toEqual(index),
    };
  },
});

const ben = recordingOf('patient-ben');
const amira = recordingOf('patient-amira');
/** patient-ben has a booking and a recording in clinic 1, and none in clinic 2. */
const benBookedInClinic1 = () => aHistory().booked(ben.consultationId, ben.patientId).recorded(ben);

describe('the clinic of every event', () => {
  describe('a user id with bookings in clinic 1, acting under a clinic-2 token', () => {
    it('given ben’s bookings in clinic 1, when ben lists nothing under a clinic-2 token, then clinic 2 files it and clinic 1 does not', () =>
      given(benBookedInClinic1())
        .when((h) => h.listed('patient-ben', [], 'patient', { tokenClinicId: 'clinic-2' }))
        .thenIndexedAs({ clinicId: 'clinic-2', clinicIds: ['clinic-2'], patientIds: [], recordingIds: [], consultationIds: [] }));

    it('given ben’s bookings in clinic 1, when ben is denied a guessed id under a clinic-2 token, then clinic 2 files it and clinic 1 does not', () =>
      given(benBookedInClinic1())
        .when((h) => h.guessed('patient-ben', 'rec-guessed', { tokenClinicId: 'clinic-2' }))
        .thenIndexedAs({
          clinicId: 'clinic-2',
          clinicIds: ['clinic-2'],
          patientIds: [],
          recordingIds: ['rec-guessed'],
          consultationIds: [],
        }));

    it('given ben’s bookings in clinic 1, when ben lists nothing under a clinic-1 token, then clinic 1 files it', () =>
      given(benBookedInClinic1())
        .when((h) => h.listed('patient-ben', [], 'patient', { tokenClinicId: 'clinic-1' }))
        .thenFiledUnder(['clinic-1']));
  });

  describe('users with no bookings', () => {
    it('given no bookings of nia, when she guesses a recording id under a clinic-1 token, then clinic 1 files it', () =>
      given(benBookedInClinic1())
        .when((h) => h.guessed('patient-nia', 'rec-guessed', { tokenClinicId: 'clinic-1' }))
        .thenIndexedAs({
          clinicId: 'clinic-1',
          clinicIds: ['clinic-1'],
          patientIds: [],
          recordingIds: ['rec-guessed'],
          consultationIds: [],
        }));

    it('given a share grantee with no bookings, when their list is empty, then their token’s clinic files it', () =>
      given(benBookedInClinic1().shared('share-1', ben, 'carer-cas', '2026-06-01T00:00:00.000Z'))
        .when((h) => h.listed('carer-cas', [], 'patient', { tokenClinicId: 'clinic-1' }))
        .thenFiledUnder(['clinic-1']));

    it('given no bookings of a clinician, when they guess an id under a clinic-2 token, then clinic 2 files it', () =>
      given(aHistory())
        .when((h) => h.guessed('dr-new', 'rec-guessed', { tokenClinicId: 'clinic-2' }))
        .thenFiledUnder(['clinic-2']));
  });

  describe('an access that crosses clinics', () => {
    it('given amira’s recording in clinic 1, when a clinic-2 actor is shown it in a list (a leak), then both clinics file it', () =>
      given(aHistory().booked(amira.consultationId, amira.patientId).recorded(amira))
        .when((h) => h.listed('patient-zoe', [amira], 'patient', { tokenClinicId: 'clinic-2' }))
        .thenIndexedAs({
          clinicId: 'clinic-1',
          clinicIds: ['clinic-1', 'clinic-2'],
          patientIds: ['patient-amira'],
          recordingIds: [amira.recordingId],
          consultationIds: [amira.consultationId],
        }));

    it('given amira’s recording in clinic 1, when a clinic-2 actor is denied it, then both clinics file it', () =>
      given(aHistory().booked(amira.consultationId, amira.patientId).recorded(amira))
        .when((h) => h.denied('patient-zoe', amira, { tokenClinicId: 'clinic-2' }))
        .thenFiledUnder(['clinic-1', 'clinic-2']));

    it('given the leak filed under both clinics, then clinic 2’s officer sees the entry but none of clinic 1’s recordings or patients in FHIR', () => {
      const { entry, owners } = given(aHistory().booked(amira.consultationId, amira.patientId).recorded(amira)).when((h) =>
        h.listed('patient-zoe', [amira], 'patient', { tokenClinicId: 'clinic-2' }),
      );
      expect(fhirScopeOf(entry, owners, 'clinic-2')).toEqual({ patientIds: [], recordingIds: [] });
      expect(fhirScopeOf(entry, owners, 'clinic-1')).toEqual({ patientIds: ['patient-amira'], recordingIds: [amira.recordingId] });
    });

    it('given a guessed id filed under the token’s clinic alone, then that clinic’s officer sees what was guessed in FHIR', () => {
      const { entry, owners } = given(benBookedInClinic1()).when((h) =>
        h.guessed('patient-ben', 'rec-guessed', { tokenClinicId: 'clinic-2' }),
      );
      expect(fhirScopeOf(entry, owners, 'clinic-2')).toEqual({ patientIds: [], recordingIds: ['rec-guessed'] });
    });
  });

  describe('a patient’s access log', () => {
    it('given a leak filed under clinic 2 as well, then amira of clinic 1 sees it and a patient of the same id in clinic 2 does not', () => {
      const { entry, owners } = given(aHistory().booked(amira.consultationId, amira.patientId).recorded(amira)).when((h) =>
        h.listed('patient-zoe', [amira], 'patient', { tokenClinicId: 'clinic-2' }),
      );
      expect(accessLogItemFor({ id: 'patient-amira', clinicId: 'clinic-1' }, entry, owners)).toMatchObject({
        recordingIds: [amira.recordingId],
      });
      expect(accessLogItemFor({ id: 'patient-amira', clinicId: 'clinic-2' }, entry, owners)).toBeNull();
    });
  });

  describe('events recorded before the actor had a clinic (old chains must still verify)', () => {
    it('given ben’s bookings in clinic 1, when ben lists nothing without a token clinic, then it is filed by his bookings as before', () =>
      given(benBookedInClinic1())
        .when((h) => h.listed('patient-ben', []))
        .thenIndexedAs({ clinicId: 'clinic-1', clinicIds: ['clinic-1'], patientIds: [], recordingIds: [], consultationIds: [] }));

    it('given ben’s bookings in clinic 1, when ben guesses an id without a token clinic, then it is filed by his bookings as before', () =>
      given(benBookedInClinic1())
        .when((h) => h.guessed('patient-ben', 'rec-guessed'))
        .thenIndexedAs({
          clinicId: 'clinic-1',
          clinicIds: ['clinic-1'],
          patientIds: [],
          recordingIds: ['rec-guessed'],
          consultationIds: [],
        }));

    it('given no bookings, when a patient guesses an id without a token clinic, then it is filed nowhere, as before', () =>
      given(aHistory())
        .when((h) => h.guessed('patient-nia', 'rec-guessed'))
        .thenIndexedAs({ clinicId: null, clinicIds: [], patientIds: [], recordingIds: ['rec-guessed'], consultationIds: [] }));

    it('given amira’s recording in clinic 1, when it is listed without a token clinic, then only its owner’s clinic files it, as before', () =>
      given(aHistory().booked(amira.consultationId, amira.patientId).recorded(amira))
        .when((h) => h.listed('patient-zoe', [amira]))
        .thenFiledUnder(['clinic-1']));

    it('verifies a chain of old events and new events side by side', () => {
      const h = benBookedInClinic1()
        .listed('patient-ben', [])
        .guessed('patient-nia', 'rec-guessed')
        .listed('patient-ben', [], 'patient', { tokenClinicId: 'clinic-2' })
        .listed('patient-zoe', [ben], 'patient', { tokenClinicId: 'clinic-2' });
      const { entries } = chainOf(h);
      expect(entries.map((e) => e.clinicIds)).toEqual([
        ['clinic-1'],
        ['clinic-1'],
        ['clinic-1'],
        [],
        ['clinic-2'],
        ['clinic-1', 'clinic-2'],
      ]);
      expect(verifyChain(entries, sha256)).toMatchObject({ ok: true, entries: 6 });
    });

    it('detects a new event removed from its token’s clinic, which the hash alone does not cover', () => {
      const { entries } = chainOf(benBookedInClinic1().listed('patient-ben', [], 'patient', { tokenClinicId: 'clinic-2' }));
      const refiled = JSON.parse(JSON.stringify(entries)) as AuditEntry[];
      refiled[2] = { ...refiled[2], clinicId: 'clinic-1', clinicIds: ['clinic-1'] };
      expect(verifyChain(refiled, sha256)).toMatchObject({ ok: false, firstBrokenSeq: 3, problem: 'index_mismatch' });
    });
  });

  describe('incident reconstruction', () => {
    const reconstructAs = (history: History, clinicId: string) =>
      reconstructIncident(authorizationFactsOf(history.events.map((e) => e.source)), history.events, {
        from: '2026-01-01T00:00:00.000Z',
        to: '2027-01-01T00:00:00.000Z',
        softwareVersion: null,
        clinicId,
      });

    it('given a clinic-2 actor shown a clinic-1 recording, then both clinics’ reconstructions report the exposure', () => {
      const h = aHistory().booked(amira.consultationId, amira.patientId).recorded(amira);
      h.listed('patient-zoe', [amira], 'patient', { tokenClinicId: 'clinic-2' });
      expect(reconstructAs(h, 'clinic-1').exposures.map((e) => e.viewerId)).toEqual(['patient-zoe']);
      expect(reconstructAs(h, 'clinic-2').exposures.map((e) => e.viewerId)).toEqual(['patient-zoe']);
    });

    it('given ben’s bookings in clinic 1, when he streams an unknown recording under a clinic-2 token, then clinic 2 reports it and clinic 1 does not', () => {
      const h = benBookedInClinic1();
      h.streamed('patient-ben', recordingOf('patient-x'), 0, 1023, 10_000_000, 'patient', { tokenClinicId: 'clinic-2' });
      expect(reconstructAs(h, 'clinic-2').exposures.map((e) => e.viewerId)).toEqual(['patient-ben']);
      expect(reconstructAs(h, 'clinic-1').exposures).toEqual([]);
    });

    it('given an older event with no token clinic, then an unknown recording still concerns the viewer’s booked clinics', () => {
      const h = benBookedInClinic1();
      h.streamed('patient-ben', recordingOf('patient-x'), 0, 1023);
      expect(reconstructAs(h, 'clinic-1').exposures.map((e) => e.viewerId)).toEqual(['patient-ben']);
      expect(reconstructAs(h, 'clinic-2').exposures).toEqual([]);
    });
  });
});
