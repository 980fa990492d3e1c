import { routeOf } from './gateway.js';

describe('the dev gateway routes the public contract like the ingress', () => {
  it.each([
    ['/v1/consultations', 'booking'],
    ['/v1/consultations?patientId=p1', 'booking'],
    ['/v1/consultations/abc', 'booking'],
    ['/v1/consultations/abc/cancel', 'booking'],
    ['/v1/consultations/abc/calls', 'signalling'],
    ['/v1/signalling', 'signalling'],
    ['/v1/calls/c1', 'signalling'],
    ['/v1/calls/c1/recordings', 'recording'],
    ['/v1/replays', 'replay-access'],
    ['/v1/recordings/r1/replay-grants', 'replay-access'],
    ['/v1/recordings/r1/shares/s1', 'replay-access'],
    ['/v1/replay-streams/tok', 'replay-access'],
    ['/v1/me/access-log', 'audit'],
    ['/v1/audit/events?action=ReplayStreamed', 'audit'],
    ['/v1/audit/verify', 'audit'],
    ['/v1/dev/tokens', 'booking'],
  ])('%s goes to %s', (url, service) => {
    expect(routeOf(url)).toBe(service);
  });

  it('matches whole path elements and answers nothing else', () => {
    expect(routeOf('/v1/callsign')).toBeNull();
    expect(routeOf('/v1/auditor')).toBeNull();
    expect(routeOf('/v2/consultations')).toBeNull();
    expect(routeOf('/')).toBeNull();
  });
});
