import fc from 'fast-check';
import { authorizationFactsOf } from './authorization-facts.js';
import { entitlementOf, replayAccessesOf } from './exposure-detector.js';
import { type IncidentReport, mergeByteSpans, reconstructIncident } from './incident-reconstruction.js';
import { aHistory, MEDIA_SWITCH, recordingOf } from './testing/audit-history.builders.js';

type History = ReturnType<typeof aHistory>;

/** When compliance reconstructs a window of this history, as an officer of `clinicId`. */
const reconstruct = (
  history: History,
  o: { from?: string; to?: string; softwareVersion?: string; clinicId?: string } = {},
): IncidentReport =>
  reconstructIncident(authorizationFactsOf(history.events.map((e) => e.source)), history.events, {
    from: o.from ?? '2026-01-01T00:00:00.000Z',
    to: o.to ?? '2027-01-01T00:00:00.000Z',
    softwareVersion: o.softwareVersion ?? null,
    clinicId: o.clinicId ?? 'clinic-1',
  });

const exposureOf = (report: IncidentReport, viewerId: string, patientId: string) =>
  report.exposures.find((e) => e.viewerId === viewerId && e.patientId === patientId);

const others = Array.from({ length: 50 }, (_, i) => `patient-${String(i + 1).padStart(2, '0')}`);
const [ben, cleo, dina] = ['patient-ben', 'patient-cleo', 'patient-dina'];
const emptySegmentOf12 = recordingOf('patient-12', 2);

/**
 * The incident: after the audio/video switch release, one user's replay list showed 50 other
 * patients' recordings and he played the beginning of one; another user opened a recording that
 * held no patient content; a third was shown another patient's recording in her list.
 * Around it, legitimate replays by patients, their clinician and a carer with consent.
 */
const theMediaSwitchIncident = () => {
  const h = aHistory('2026-03-01T07:00:00.000Z');
  for (const p of [...others, ben, cleo, dina]) h.booked(`c-${p}`, p).recorded(recordingOf(p));
  // The switch opened a second segment of patient-12's call and closed it before any media arrived.
  h.recorded(emptySegmentOf12, { bytes: 0 });
  h.shared('share-cas', recordingOf('patient-04'), 'carer-cas', '2026-06-01T00:00:00.000Z');
  h.listed(ben, [recordingOf(ben)]).streamed(ben, recordingOf(ben), 0, 9_999_999);

  h.at('2026-03-01T10:00:00.000Z').under(MEDIA_SWITCH);
  h.listed(ben, [recordingOf(ben), ...others.map((p) => recordingOf(p))]);
  h.granted(ben, recordingOf('patient-07'));
  h.streamed(ben, recordingOf('patient-07'), 0, 65_535)
    .streamed(ben, recordingOf('patient-07'), 65_536, 131_071)
    .streamed(ben, recordingOf('patient-07'), 0, 32_767);
  h.listed(cleo, [recordingOf(cleo), emptySegmentOf12])
    .granted(cleo, emptySegmentOf12)
    .streamed(cleo, emptySegmentOf12, 0, 0, 0);
  h.listed(dina, [recordingOf(dina), recordingOf('patient-20')]);
  // Legitimate, under the same release: the clinician, a carer with consent, patients replaying their own.
  h.listed('dr-okafor', [recordingOf('patient-03')], 'clinician').streamed(
    'dr-okafor',
    recordingOf('patient-03'),
    0,
    1023,
    10_000_000,
    'clinician',
  );
  h.granted('carer-cas', recordingOf('patient-04'), { basis: 'consent_share' }).streamed('carer-cas', recordingOf('patient-04'), 0, 4095);
  h.streamed(ben, recordingOf(ben), 0, 1023).listed('patient-05', [recordingOf('patient-05')]);
  h.denied(ben, recordingOf('patient-08'));
  return h;
};

const window = { from: '2026-03-01T09:30:00.000Z', to: '2026-03-01T12:00:00.000Z' };

describe('reconstructing the media-switch incident from booking facts alone', () => {
  const report = reconstruct(theMediaSwitchIncident(), window);

  it('names the 50 patients whose recordings one user was shown after the media-switch release', () => {
    expect(report.affectedPatients.map((p) => p.patientId).sort()).toEqual(others);
    expect(report.summary.patientsAffected).toBe(50);
    const bens = report.exposures.filter((e) => e.viewerId === ben);
    expect(bens).toHaveLength(50);
    expect(bens.every((e) => e.events.listed === 1 && e.releases.length === 1)).toBe(true);
    expect(bens[0].releases).toEqual([{ softwareVersion: '2.4.0', featureFlags: ['media-switch'] }]);
  });

  it('tells apart the user who started playback, the one who opened a recording with no patient content, and the one only shown a list', () => {
    expect(report.viewers).toEqual([
      { viewerId: ben, classification: 'started_playback', patients: 50 },
      { viewerId: cleo, classification: 'opened_no_patient_content', patients: 1 },
      { viewerId: dina, classification: 'shown_in_list', patients: 1 },
    ]);
    expect(report.summary).toEqual({ shownInList: 1, startedPlayback: 1, openedNoPatientContent: 1, patientsAffected: 50 });
  });

  it('classifies each exposure exactly: 49 shown in a list and one played, for the user whose list leaked', () => {
    const classes = report.exposures.filter((e) => e.viewerId === ben).map((e) => e.classification);
    expect(classes.filter((c) => c === 'shown_in_list')).toHaveLength(49);
    expect(classes.filter((c) => c === 'started_playback')).toHaveLength(1);
    expect(exposureOf(report, ben, 'patient-07')?.classification).toBe('started_playback');
  });

  it('reports the beginning that was played as merged byte ranges, with when it started and ended', () => {
    expect(exposureOf(report, ben, 'patient-07')).toMatchObject({
      recordingIds: ['rec-patient-07-1'],
      consultationIds: ['c-patient-07'],
      events: { listed: 1, granted: 1, streamed: 3 },
      played: [
        {
          recordingId: 'rec-patient-07-1',
          totalBytes: 10_000_000,
          patientContent: true,
          ranges: [{ start: 0, end: 131_071 }],
          bytesPlayed: 131_072,
        },
      ],
      reasons: ['not_a_participant'],
      firstAt: '2026-03-01T10:00:00.000Z',
      lastAt: '2026-03-01T10:04:00.000Z',
    });
  });

  it('says the user who opened the empty segment played no patient content', () => {
    expect(exposureOf(report, cleo, 'patient-12')).toMatchObject({
      classification: 'opened_no_patient_content',
      recordingIds: [emptySegmentOf12.recordingId],
      played: [{ recordingId: emptySegmentOf12.recordingId, totalBytes: 0, patientContent: false, ranges: [], bytesPlayed: 0 }],
    });
    const patient12 = report.affectedPatients.find((p) => p.patientId === 'patient-12');
    expect(patient12).toEqual({
      patientId: 'patient-12',
      classification: 'opened_no_patient_content',
      exposures: 2,
      viewers: expect.arrayContaining([
        { viewerId: ben, classification: 'shown_in_list' },
        { viewerId: cleo, classification: 'opened_no_patient_content' },
      ]),
    });
  });

  it('ignores the clinician, the carer with an active consent share, patients replaying their own recordings, and refused requests', () => {
    const viewers = new Set(report.exposures.map((e) => e.viewerId));
    expect(viewers).toEqual(new Set([ben, cleo, dina]));
    expect(report.exposures.some((e) => e.patientId === ben || e.patientId === cleo || e.patientId === dina)).toBe(false);
    expect(exposureOf(report, ben, 'patient-08')?.events).toEqual({ listed: 1, granted: 0, streamed: 0 });
  });

  it('lists every audit entry that proves an exposure', () => {
    const h = theMediaSwitchIncident();
    const seqs = new Set(report.exposures.flatMap((e) => e.auditSeqs));
    for (const seq of seqs) expect(['ReplayListed', 'ReplayGranted', 'ReplayStreamed']).toContain(h.events[seq - 1].source.type);
  });

  it('finds the same exposures when asked for the media-switch release only, and none under the release before it', () => {
    expect(reconstruct(theMediaSwitchIncident(), { ...window, softwareVersion: '2.4.0' }).exposures).toEqual(report.exposures);
    expect(
      reconstruct(theMediaSwitchIncident(), { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', softwareVersion: '2.3.9' })
        .exposures,
    ).toEqual([]);
  });

  it('reports nothing for a window before the release', () => {
    expect(reconstruct(theMediaSwitchIncident(), { from: '2026-03-01T07:00:00.000Z', to: '2026-03-01T10:00:00.000Z' }).exposures).toEqual(
      [],
    );
  });

  it('shows a compliance officer of another clinic none of it', () => {
    const other = reconstruct(theMediaSwitchIncident(), { ...window, clinicId: 'clinic-2' });
    expect(other.exposures).toEqual([]);
    expect(other.summary).toEqual({ shownInList: 0, startedPlayback: 0, openedNoPatientContent: 0, patientsAffected: 0 });
  });
});

describe('what booking facts justify', () => {
  const amira = recordingOf('patient-amira');
  const base = () => aHistory().booked(amira.consultationId, amira.patientId).recorded(amira);

  it('lets a carer replay while the consent share is active, and flags the replays after it was revoked', () => {
    const h = base()
      .shared('s1', amira, 'carer-cas', '2026-12-01T00:00:00.000Z')
      .streamed('carer-cas', amira, 0, 99)
      .revoked('s1', amira, 'carer-cas')
      .streamed('carer-cas', amira, 100, 199);
    const [exposure] = reconstruct(h).exposures;
    expect(exposure).toMatchObject({
      viewerId: 'carer-cas',
      patientId: 'patient-amira',
      classification: 'started_playback',
      reasons: ['no_active_share'],
      played: [{ ranges: [{ start: 100, end: 199 }] }],
    });
  });

  it('flags a replay after the consent share expired', () => {
    const h = base()
      .shared('s1', amira, 'carer-cas', '2026-03-01T08:04:30.000Z')
      .streamed('carer-cas', amira, 0, 99)
      .streamed('carer-cas', amira, 0, 99);
    expect(reconstruct(h).exposures.map((e) => e.events.streamed)).toEqual([1]);
  });

  it('does not accept a consent share given by someone other than the recording’s patient', () => {
    const h = base()
      .shared('s1', { ...amira, patientId: 'patient-eve' }, 'carer-cas', '2026-12-01T00:00:00.000Z')
      .granted('carer-cas', amira);
    expect(reconstruct(h).exposures).toHaveLength(1);
  });

  it('lets nobody replay a recording bound to a consultation whose booking names another patient', () => {
    const misbound = { recordingId: 'rec-x', consultationId: amira.consultationId, patientId: 'patient-ben' };
    const h = base()
      .booked('c-ben', 'patient-ben')
      .recorded(misbound)
      .listed('patient-ben', [misbound])
      .listed('patient-amira', [misbound]);
    const report = reconstruct(h);
    expect(report.exposures.map((e) => [e.viewerId, e.patientId, e.reasons])).toEqual([
      ['patient-ben', 'patient-ben', ['binding_disagrees_with_booking']],
      ['patient-amira', 'patient-ben', ['binding_disagrees_with_booking']],
    ]);
  });

  it('flags a recording that no recording context ever stored, and one of a consultation never booked', () => {
    const ghost = { recordingId: 'rec-ghost', consultationId: 'c-ghost', patientId: 'patient-amira' };
    const unbooked = { recordingId: 'rec-unbooked', consultationId: 'c-unbooked', patientId: 'patient-amira' };
    const h = base().recorded(unbooked).granted('patient-amira', ghost).granted('patient-amira', unbooked);
    expect(reconstruct(h).exposures[0]).toMatchObject({
      patientId: 'patient-amira',
      reasons: ['unknown_consultation', 'unknown_recording'],
    });
  });

  it('keeps who may replay when a consultation is rescheduled or cancelled after its call', () => {
    const h = base()
      .rescheduled(amira.consultationId)
      .cancelled(amira.consultationId)
      .listed('patient-amira', [amira])
      .streamed('dr-okafor', amira, 0, 9, 10_000_000, 'clinician');
    expect(reconstruct(h).exposures).toEqual([]);
  });

  it('lets nobody replay a recording made after its consultation was cancelled', () => {
    const late = recordingOf('patient-amira', 2);
    const h = base().cancelled(amira.consultationId).recorded(late).granted('patient-amira', late);
    expect(reconstruct(h).exposures[0]).toMatchObject({ recordingIds: [late.recordingId], reasons: ['recorded_after_cancellation'] });
  });

  it('flags a grant issued under another clinic than the recording’s', () => {
    const h = base().granted('patient-amira', amira, { clinicId: 'clinic-2' });
    expect(reconstruct(h).exposures[0].reasons).toEqual(['other_clinic']);
  });

  it('treats a grant of a recording that holds patient content as started playback, even before a byte was streamed', () => {
    const h = base().granted('patient-eve', amira);
    expect(reconstruct(h).exposures[0].classification).toBe('started_playback');
  });

  it('files an exposure of a recording nobody knows under the viewer’s clinic', () => {
    const ghost = { recordingId: 'rec-ghost', consultationId: 'c-ghost', patientId: 'patient-amira' };
    const h = base().booked('c-eve', 'patient-eve', { clinicId: 'clinic-2' }).listed('patient-eve', [ghost]);
    expect(reconstruct(h).exposures).toEqual([]);
    expect(reconstruct(h, { clinicId: 'clinic-2' }).exposures.map((e) => [e.viewerId, e.patientId])).toEqual([['patient-eve', null]]);
  });
});

describe('byte ranges', () => {
  it('merges overlapping and touching ranges and keeps gaps', () => {
    expect(
      mergeByteSpans([
        { start: 200, end: 299 },
        { start: 0, end: 99 },
        { start: 100, end: 149 },
        { start: 120, end: 130 },
        { start: 400, end: 499 },
      ]),
    ).toEqual([
      { start: 0, end: 149 },
      { start: 200, end: 299 },
      { start: 400, end: 499 },
    ]);
  });
});

/** A random history of bookings, recordings, consent shares and replays that booking facts justify. */
const legitHistory = fc
  .record({
    consultations: fc.array(
      fc.record({
        patient: fc.integer({ min: 0, max: 5 }),
        clinician: fc.integer({ min: 0, max: 2 }),
        segments: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    steps: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('patient' as const), pick: fc.nat(), action: fc.nat({ max: 2 }) }),
        fc.record({ kind: fc.constant('clinician' as const), pick: fc.nat(), action: fc.nat({ max: 2 }) }),
        fc.record({
          kind: fc.constant('share' as const),
          pick: fc.nat(),
          carer: fc.nat({ max: 3 }),
          minutes: fc.integer({ min: 1, max: 30 }),
        }),
        fc.record({ kind: fc.constant('revoke' as const), pick: fc.nat() }),
        fc.record({ kind: fc.constant('carer' as const), pick: fc.nat(), action: fc.nat({ max: 2 }) }),
        fc.record({ kind: fc.constant('reschedule' as const), pick: fc.nat() }),
        fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
      ),
      { maxLength: 60 },
    ),
  })
  .map(({ consultations, steps }) => {
    const h = aHistory();
    const recordings = consultations.flatMap((c, i) => {
      const patientId = `patient-${c.patient}`;
      const clinicianId = `dr-${c.clinician}`;
      h.booked(`c-${i}`, patientId, { clinicianId });
      return c.segments.map((size, n) => {
        const r = { recordingId: `rec-${i}-${n}`, consultationId: `c-${i}`, patientId };
        h.recorded(r, { clinicianId, bytes: size * 1000 });
        return { r, clinicianId };
      });
    });
    const shares: { id: string; r: (typeof recordings)[number]['r']; carer: string; until: number; revoked: boolean }[] = [];
    const act = (viewerId: string, r: (typeof recordings)[number]['r'], action: number, role: 'patient' | 'clinician') => {
      if (action === 0) h.listed(viewerId, [r], role);
      else if (action === 1) h.granted(viewerId, r, { role, clinicId: 'clinic-1' });
      else h.streamed(viewerId, r, 0, 99, 10_000, role);
    };
    for (const step of steps) {
      const { r, clinicianId } = recordings[step.pick % recordings.length];
      if (step.kind === 'patient') act(r.patientId, r, step.action, 'patient');
      else if (step.kind === 'clinician') act(clinicianId, r, step.action, 'clinician');
      else if (step.kind === 'share') {
        const until = Date.parse(h.now()) + step.minutes * 60_000;
        const share = { id: `share-${shares.length}`, r, carer: `carer-${step.carer}`, until, revoked: false };
        h.shared(share.id, r, share.carer, new Date(until).toISOString());
        shares.push(share);
      } else if (step.kind === 'revoke' && shares.length > 0) {
        const share = shares[step.pick % shares.length];
        h.revoked(share.id, share.r, share.carer);
        share.revoked = true;
      } else if (step.kind === 'carer') {
        // The next event happens one minute from now: only a share still active then may be used.
        const next = Date.parse(h.now()) + 60_000;
        const active = shares.filter((s) => !s.revoked && s.until > next);
        if (active.length > 0) {
          const share = active[step.pick % active.length];
          act(share.carer, share.r, step.action, 'patient');
        }
      } else if (step.kind === 'reschedule') h.rescheduled(r.consultationId);
      else if (step.kind === 'cancel') h.cancelled(r.consultationId);
    }
    return h;
  });

describe('the second check never cries wolf', () => {
  it('reports no exposure for any history of legitimate replays', () => {
    fc.assert(
      fc.property(legitHistory, (h) => {
        expect(reconstruct(h).exposures).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('reports every replay by someone who neither took part nor was given consent', () => {
    fc.assert(
      fc.property(legitHistory, fc.nat(), fc.nat({ max: 2 }), (h, pick, action) => {
        const stored = h.events
          .filter((e) => e.source.type === 'RecordingStored')
          .map((e) => e.source.data as { recordingId: string; consultationId: string; patientId: string });
        const r = stored[pick % stored.length];
        const ref = { recordingId: r.recordingId, consultationId: r.consultationId, patientId: r.patientId };
        if (action === 0) h.listed('stranger-sam', [ref]);
        else if (action === 1) h.granted('stranger-sam', ref);
        else h.streamed('stranger-sam', ref, 0, 9, 10_000);
        const report = reconstruct(h);
        expect(report.exposures.map((e) => [e.viewerId, e.patientId, e.recordingIds])).toEqual([
          ['stranger-sam', r.patientId, [r.recordingId]],
        ]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('a clinic-sized history', () => {
  // Speed is measured by `npm run bench`; here only the answer over a large history is checked.
  it('reconstructs a window over 100,000 audit entries', () => {
    const h = aHistory('2026-01-01T00:00:00.000Z');
    const patients = Array.from({ length: 1000 }, (_, i) => `patient-${i}`);
    for (const p of patients) h.booked(`c-${p}`, p).recorded(recordingOf(p));
    h.under(MEDIA_SWITCH);
    while (h.events.length < 100_000) {
      const i = h.events.length;
      const own = recordingOf(patients[i % 1000]);
      if (i % 97 === 0) h.listed(`patient-${(i + 1) % 1000}`, [own, recordingOf(patients[(i + 7) % 1000])]);
      else if (i % 2 === 0) h.streamed(own.patientId, own, 0, 1023);
      else h.listed(own.patientId, [own]);
    }
    const facts = authorizationFactsOf(h.events.map((e) => e.source));
    const report = reconstructIncident(facts, h.events, {
      from: '2026-01-01T00:00:00.000Z',
      to: '2027-01-01T00:00:00.000Z',
      softwareVersion: '2.4.0',
      clinicId: 'clinic-1',
    });
    expect(report.summary.shownInList).toBeGreaterThan(0);
    expect(report.exposures.every((e) => e.classification === 'shown_in_list')).toBe(true);
  });
});

describe('the accesses an audited event stands for', () => {
  it('counts each recording of a list once, and nothing for a denial', () => {
    const r = recordingOf('patient-amira');
    const h = aHistory().listed('patient-ben', [r, r]).denied('patient-ben', r);
    expect(replayAccessesOf(h.events[0])).toHaveLength(1);
    expect(replayAccessesOf(h.events[1])).toEqual([]);
    expect(entitlementOf(authorizationFactsOf([]), replayAccessesOf(h.events[0])[0])).toEqual({
      entitled: false,
      reason: 'unknown_recording',
    });
  });
});
