import { PlatformClient } from '@vgp/testing';

/** One booking of a stream: its own patient and clinician, so no two overlap (ADR 0023). */
export const book = async (api: PlatformClient, adminToken: string, run: string, i: number) => {
  const answer = await api.request('POST', '/v1/consultations', {
    token: adminToken,
    body: {
      patientId: `patient-${run}-${i}`,
      clinicianId: `dr-${run}-${i}`,
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      durationMinutes: 20,
      mode: i % 2 ? 'audio' : 'video',
    },
  });
  return { status: answer.status, consultationId: answer.status === 201 ? (answer.body.consultationId as string) : null };
};

/**
 * Every `ConsultationBooked` the audit chained for the officer's clinic, one entry per chain entry (so a
 * duplicate shows twice), read page by page.
 */
export const auditedBookings = async (api: PlatformClient, officerToken: string): Promise<string[]> => {
  const out: string[] = [];
  let after: number | null = 0;
  while (after !== null) {
    const page = await api.request('GET', `/v1/audit/events?action=ConsultationBooked&limit=500&after=${after}`, { token: officerToken });
    if (page.status !== 200) throw new Error(`audit answered ${page.status}: ${page.text.slice(0, 200)}`);
    for (const item of page.body.items as Array<{ data: { consultationId: string } }>) out.push(item.data.consultationId);
    after = page.body.nextCursor as number | null;
  }
  return out;
};

/** The ids that occur more than once. */
export const duplicatesOf = (ids: string[]): string[] => [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
