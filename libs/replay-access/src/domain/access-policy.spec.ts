import fc from 'fast-check';
import { type Role } from '@vgp/contracts';
import { type ConsentShare, decideAccess, type RecordingFacts, replayableFor, type Viewer } from './access-policy.js';
import { accessDecider } from './access.decider.js';
import { findEvent } from './replay-access.events.js';
import {
  bookingOf,
  clinician,
  CLINICIAN,
  daysFrom,
  NOW,
  patient,
  PATIENT,
  recording,
  share,
  viewer,
} from './testing/replay-access.builders.js';

const allowedAsParticipant = { allowed: true, basis: 'participant', shareId: null };
const notAParticipant = { allowed: false, reason: 'not_a_participant' };

describe('who may replay a recording', () => {
  describe('the people in the consultation', () => {
    it('lets the patient replay their own consultation', () =>
      expect(decideAccess(patient(), recording(), [], NOW)).toEqual(allowedAsParticipant));

    it('lets the clinician who held the consultation replay it', () =>
      expect(decideAccess(clinician(), recording(), [], NOW)).toEqual(allowedAsParticipant));

    it('refuses another patient of the same clinic', () =>
      expect(decideAccess(patient('patient-ben'), recording(), [], NOW)).toEqual(notAParticipant));

    it('refuses another clinician of the same clinic', () =>
      expect(decideAccess(clinician('dr-lindqvist'), recording(), [], NOW)).toEqual(notAParticipant));

    it('refuses the right person acting from another clinic', () => {
      expect(decideAccess(patient(PATIENT, 'clinic-south'), recording(), [], NOW)).toEqual(notAParticipant);
      expect(decideAccess(clinician(CLINICIAN, 'clinic-south'), recording(), [], NOW)).toEqual(notAParticipant);
    });

    it('refuses the patient id when the caller does not act as a patient', () =>
      expect(decideAccess(viewer(PATIENT, ['clinician']), recording(), [], NOW)).toEqual(notAParticipant));
  });

  describe('roles that never replay', () => {
    it.each<Role>(['clinic_admin', 'compliance_officer'])('gives a %s nothing, even for their own clinic', (role) =>
      expect(decideAccess(viewer('staff-1', [role]), recording(), [share({ granteeId: 'staff-1' })], NOW)).toEqual(notAParticipant),
    );
  });

  describe('the binding of the recording', () => {
    it('refuses everyone while the booking facts of the consultation are unknown', () => {
      const unbooked = recording({ booking: null });
      expect(decideAccess(patient(), unbooked, [], NOW)).toEqual(notAParticipant);
      expect(decideAccess(clinician(), unbooked, [], NOW)).toEqual(notAParticipant);
    });

    it('refuses everyone when a segment names a patient the booking does not (a mis-bound segment)', () => {
      const misBound = recording({ patientId: 'patient-ben', booking: bookingOf(recording()) });
      expect(decideAccess(patient('patient-ben'), misBound, [], NOW)).toEqual(notAParticipant);
      expect(decideAccess(patient(PATIENT), misBound, [], NOW)).toEqual(notAParticipant);
    });

    it('keeps every segment of a call that switched from audio to video with the same patient', () => {
      const audio = recording({ recordingId: 'rec-1', segmentSeq: 1, mode: 'audio' });
      const video = recording({ recordingId: 'rec-2', segmentSeq: 2, mode: 'video', contentType: 'video/webm' });
      expect(replayableFor(patient(), [audio, video], [], NOW).map((r) => r.recording.recordingId)).toEqual(['rec-1', 'rec-2']);
      expect(replayableFor(patient('patient-ben'), [audio, video], [], NOW)).toEqual([]);
    });
  });

  describe('consent shares', () => {
    const carer = patient('carer-cleo');

    it('lets the grantee of an active share replay that recording', () =>
      expect(decideAccess(carer, recording(), [share()], NOW)).toEqual({ allowed: true, basis: 'consent_share', shareId: 'share-1' }));

    it('does not extend a share to another recording of the same consultation', () =>
      expect(decideAccess(carer, recording({ recordingId: 'rec-2' }), [share({ recordingId: 'rec-1' })], NOW)).toEqual(notAParticipant));

    it('does not let a share given by someone other than the patient open the recording', () =>
      expect(decideAccess(carer, recording(), [share({ patientId: 'patient-ben' })], NOW)).toEqual(notAParticipant));

    it('ends access the moment the patient revokes the share', () =>
      expect(decideAccess(carer, recording(), [share({ revoked: true })], NOW)).toEqual({ allowed: false, reason: 'share_revoked' }));

    it('ends access when the share runs out', () =>
      expect(decideAccess(carer, recording(), [share({ until: NOW.toISOString() })], NOW)).toEqual({
        allowed: false,
        reason: 'share_expired',
      }));

    it('does not let a share to someone else open the recording', () =>
      expect(decideAccess(patient('patient-ben'), recording(), [share()], NOW)).toEqual(notAParticipant));

    it('does not let a grantee from another clinic replay', () =>
      expect(decideAccess(patient('carer-cleo', 'clinic-south'), recording(), [share()], NOW)).toEqual(notAParticipant));
  });
});

/**
 * A random clinic day: several clinics, their patients and clinicians, consultations whose calls switched
 * between audio and video (one segment per switch), and consent shares, some revoked or run out.
 * For every person, the replay list is exactly what the rule allows and never another patient's recording.
 */
describe('the replay list of a busy clinic day', () => {
  type World = { recordings: RecordingFacts[]; shares: ConsentShare[]; viewers: Viewer[] };

  const people = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const roleSets: Role[][] = [
    ['patient'],
    ['clinician'],
    ['clinic_admin'],
    ['compliance_officer'],
    ['patient', 'clinician'],
    ['clinic_admin', 'patient'],
  ];

  const world: fc.Arbitrary<World> = fc
    .record({
      clinics: fc.integer({ min: 1, max: 3 }),
      patients: fc.integer({ min: 1, max: 6 }),
      clinicians: fc.integer({ min: 1, max: 3 }),
      consultations: fc.array(
        fc.record({
          clinic: fc.nat(),
          patient: fc.nat(),
          clinician: fc.nat(),
          modes: fc.array(fc.constantFrom<'audio' | 'video'>('audio', 'video'), { minLength: 1, maxLength: 4 }),
          day: fc.integer({ min: 0, max: 20 }),
        }),
        { maxLength: 8 },
      ),
      shares: fc.array(
        fc.record({
          recording: fc.nat(),
          grantee: fc.nat(),
          daysLeft: fc.integer({ min: -5, max: 30 }),
          revoked: fc.boolean(),
          byPatient: fc.boolean(),
        }),
        { maxLength: 8 },
      ),
      viewerRoles: fc.array(fc.constantFrom(...roleSets), { minLength: 1, maxLength: 12 }),
      viewerClinic: fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
    })
    .map((w) => {
      const clinics = people('clinic', w.clinics);
      const patients = people('patient', w.patients);
      const clinicians = people('dr', w.clinicians);
      const everyone = [...patients, ...clinicians, 'carer-0', 'admin-0'];
      const recordings = w.consultations.flatMap((c, ci) =>
        c.modes.map((mode, si) =>
          recording({
            recordingId: `rec-${ci}-${si + 1}`,
            consultationId: `cons-${ci}`,
            callId: `call-${ci}`,
            segmentId: `seg-${ci}-${si + 1}`,
            segmentSeq: si + 1,
            clinicId: clinics[c.clinic % clinics.length],
            patientId: patients[c.patient % patients.length],
            clinicianId: clinicians[c.clinician % clinicians.length],
            mode,
            contentType: `${mode}/webm`,
            recordedAt: daysFrom(NOW, -c.day).toISOString(),
          }),
        ),
      );
      const shares =
        recordings.length === 0
          ? []
          : w.shares.map((s, i) => {
              const r = recordings[s.recording % recordings.length];
              return share({
                shareId: `share-${i}`,
                recordingId: r.recordingId,
                patientId: s.byPatient ? r.patientId : 'patient-impostor',
                granteeId: everyone[s.grantee % everyone.length],
                until: daysFrom(NOW, s.daysLeft).toISOString(),
                revoked: s.revoked,
              });
            });
      const viewers = everyone.flatMap((id, i) =>
        w.viewerRoles
          .slice(0, 2)
          .map((roles, j) => viewer(id, roles, clinics[(w.viewerClinic[(i + j) % w.viewerClinic.length] ?? 0) % clinics.length])),
      );
      return { recordings, shares, viewers };
    });

  /** The rule, stated independently of the implementation. */
  const mayReplay = (v: Viewer, r: RecordingFacts, shares: ConsentShare[]): boolean => {
    if (v.clinicId !== r.clinicId) return false;
    const asPatient = v.roles.includes('patient') && r.patientId === v.id;
    const asClinician = v.roles.includes('clinician') && r.clinicianId === v.id;
    const replaysAtAll = v.roles.includes('patient') || v.roles.includes('clinician');
    const shared =
      replaysAtAll &&
      shares.some(
        (s) =>
          s.recordingId === r.recordingId &&
          s.patientId === r.patientId &&
          s.granteeId === v.id &&
          !s.revoked &&
          Date.parse(s.until) > NOW.getTime(),
      );
    return asPatient || asClinician || shared;
  };

  it('lists each person exactly the recordings they took part in or hold an active share of', () =>
    fc.assert(
      fc.property(world, ({ recordings, shares, viewers }) => {
        for (const v of viewers) {
          const events = accessDecider.decide(
            { type: 'ListReplays', listId: 'list', viewer: v, at: NOW, killSwitch: false },
            accessDecider.initialState(),
            { recordings, shares },
          );
          const event = findEvent(events, 'ReplayListed');
          if (!event) throw new Error(`expected a list, got ${events.map((e) => e.type).join(', ')}`);
          const expected = recordings.filter((r) => mayReplay(v, r, shares)).map((r) => r.recordingId);
          expect([...event.data.recordingIds].sort()).toEqual([...expected].sort());
          // The audit names exactly the patients and consultations that were shown.
          const shown = recordings.filter((r) => event.data.recordingIds.includes(r.recordingId));
          expect(new Set(event.data.patientIds)).toEqual(new Set(shown.map((r) => r.patientId)));
          expect(new Set(event.data.consultationIds)).toEqual(new Set(shown.map((r) => r.consultationId)));
        }
      }),
      { numRuns: 300 },
    ));

  it('never shows a patient without a share another patient’s recording', () =>
    fc.assert(
      fc.property(world, ({ recordings, shares, viewers }) => {
        for (const v of viewers.filter((x) => x.roles.length === 1 && x.roles[0] === 'patient')) {
          const theirShares = shares.filter((s) => s.granteeId === v.id);
          const listed = replayableFor(v, recordings, [], NOW);
          for (const item of listed) expect(item.recording.patientId).toBe(v.id);
          for (const item of replayableFor(v, recordings, shares, NOW)) {
            if (item.recording.patientId !== v.id) expect(theirShares.map((s) => s.shareId)).toContain(item.shareId);
          }
        }
      }),
      { numRuns: 300 },
    ));
});
