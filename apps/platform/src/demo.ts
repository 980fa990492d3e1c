/**
 * Walks the whole consultation flow over HTTP and WebSocket against a fresh embedded platform (or the one at
 * DEMO_URL) and prints what each party sees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, PlatformClient } from '@vgp/testing';

const clinicId = 'clinic-demo-walkthrough';
const say = (who: string, what: string) => console.log(`${who.padEnd(22)} ${what}`);

async function main() {
  let close: () => Promise<void> = () => Promise.resolve();
  let url = process.env.DEMO_URL;
  if (!url) {
    const dataDir = mkdtempSync(join(tmpdir(), 'vgp-demo-'));
    Object.assign(process.env, { PORT: '0', LOG_LEVEL: 'error', DATA_DIR: dataDir });
    const { startEmbeddedPlatform } = await import('./embedded-platform.js');
    const platform = await startEmbeddedPlatform({ dataDir, seed: false });
    url = platform.url;
    close = async () => {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  console.log(`Demo against ${url}\n`);
  const api = new PlatformClient(url);
  const t = {
    admin: await api.token('admin-ada', ['clinic_admin'], clinicId),
    drOkafor: await api.token('dr-okafor', ['clinician'], clinicId),
    amira: await api.token('patient-amira', ['patient'], clinicId),
    ben: await api.token('patient-ben', ['patient'], clinicId),
    officer: await api.token('compliance-cora', ['compliance_officer'], clinicId),
  };

  const startsAt = new Date(Date.now() + 60_000).toISOString();
  const booked = await api.request('POST', '/v1/consultations', {
    token: t.admin,
    body: { patientId: 'patient-amira', clinicianId: 'dr-okafor', startsAt, durationMinutes: 20, mode: 'audio' },
  });
  say('admin-ada', `books a consultation for patient-amira with dr-okafor at ${startsAt}: ${booked.status}`);
  const consultationId = booked.body.consultationId as string;

  const call = await eventually(async () => {
    const answer = await api.request('POST', `/v1/consultations/${consultationId}/calls`, { token: t.drOkafor, body: {} });
    if (answer.status >= 300) throw new Error(answer.text);
    return answer.body as { callId: string };
  });
  say('dr-okafor', `starts the call ${call.callId}`);

  const doctor = await api.signalling();
  const patient = await api.signalling();
  doctor.send({ type: 'join', callId: call.callId, token: t.drOkafor });
  patient.send({ type: 'join', callId: call.callId, token: t.amira });
  say('dr-okafor', `sees ${JSON.stringify(await doctor.next('joined'))}`);
  say('patient-amira', `sees ${JSON.stringify(await patient.next('joined'))}`);
  doctor.send({ type: 'offer', sdp: 'v=0 (offer)' });
  say('patient-amira', `receives ${JSON.stringify(await patient.next('offer'))}`);
  patient.send({ type: 'answer', sdp: 'v=0 (answer)' });
  say('dr-okafor', `receives ${JSON.stringify(await doctor.next('answer'))}`);

  const upload = async (token: string, contentType: string, label: string) => {
    const answer = await eventually(async () => {
      const a = await api.request('POST', `/v1/calls/${call.callId}/recordings`, {
        token,
        raw: { contentType, data: Buffer.from(label.repeat(512)) },
      });
      if (a.status !== 201) throw new Error(a.text);
      return a;
    });
    return answer.body as { recordingId: string; mode: string; segmentId: string };
  };
  const first = await upload(t.drOkafor, 'audio/webm', 'audio segment ');
  say('dr-okafor', `uploads the audio segment: recording ${first.recordingId} (${first.mode})`);
  patient.send({ type: 'switch-media', mode: 'video' });
  say('dr-okafor', `sees ${JSON.stringify(await doctor.next('media-switched'))}`);
  const second = await eventually(async () => {
    const r = await upload(t.amira, 'video/webm', 'video segment ');
    if (r.mode !== 'video') throw new Error('switch not yet seen by recording');
    return r;
  });
  say('patient-amira', `uploads the video segment: recording ${second.recordingId} (${second.mode}), same consultation`);
  doctor.send({ type: 'end' });
  await doctor.next('call-ended');
  say('dr-okafor', 'ends the call');
  await Promise.all([doctor.close(), patient.close()]);

  const list = await eventually(async () => {
    const answer = await api.request('GET', '/v1/replays', { token: t.amira });
    if (answer.body.items?.length !== 2) throw new Error('recordings not yet replayable');
    return answer.body;
  });
  say(
    'patient-amira',
    `lists replays: ${list.items.map((i: { recordingId: string; mode: string }) => `${i.recordingId} (${i.mode})`).join(', ')}`,
  );
  const grant = await api.request('POST', `/v1/recordings/${second.recordingId}/replay-grants`, { token: t.amira, body: {} });
  say('patient-amira', `is granted a replay until ${grant.body.expiresAt}`);
  const bytes = await api.request('GET', grant.body.url, { headers: { range: 'bytes=0-31' } });
  say('patient-amira', `streams bytes 0-31: ${bytes.status} ${bytes.headers.get('content-range')}`);

  const benList = await api.request('GET', '/v1/replays', { token: t.ben });
  say('patient-ben', `lists replays: ${benList.body.items.length} item(s), none of patient-amira's`);
  const benGrant = await api.request('POST', `/v1/recordings/${second.recordingId}/replay-grants`, { token: t.ben, body: {} });
  say('patient-ben', `asks for patient-amira's recording: ${benGrant.status} ${benGrant.body.title}`);

  const audit = await eventually(async () => {
    const answer = await api.request('GET', '/v1/audit/events?limit=500', { token: t.officer });
    const items = (answer.body.items ?? []) as Array<{ action: string }>;
    if (!items.some((i) => i.action === 'ReplayStreamed') || !items.some((i) => i.action === 'ReplayDenied'))
      throw new Error('audit not yet complete');
    return items as Array<{ seq: number; action: string; actor: { id: string; role: string }; softwareVersion: string }>;
  });
  console.log('\ncompliance-cora sees the audit trail:');
  for (const e of audit)
    console.log(`  #${String(e.seq).padStart(3)} ${e.action.padEnd(22)} by ${e.actor.id} (${e.actor.role}) on ${e.softwareVersion}`);
  const verify = await api.request('GET', '/v1/audit/verify', { token: t.officer });
  console.log(`\ncompliance-cora verifies the chain: ${JSON.stringify(verify.body)}`);
  const incident = await api.request('POST', '/v1/audit/incidents/reconstruct', {
    token: t.officer,
    body: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
  });
  console.log(`compliance-cora reconstructs the last hour for wrongful exposures: ${JSON.stringify(incident.body.summary)}`);
  const log = await api.request('GET', '/v1/me/access-log', { token: t.amira });
  console.log(`patient-amira's access log has ${(log.body.items ?? log.body).length} entries`);
  await close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
