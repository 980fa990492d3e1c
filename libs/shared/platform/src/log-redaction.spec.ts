import { redactUrl, scrubText } from './log-redaction.js';

describe('what request details may reach a log line', () => {
  it('hides the replay-stream token in the path', () => {
    expect(redactUrl('/v1/replay-streams/abc.DEF-123_x')).toBe('/v1/replay-streams/[redacted]');
    expect(redactUrl('/v1//replay-streams/abc?x=1')).toBe('/v1//replay-streams/[redacted]?x=1');
  });

  it('hides secret-looking query values and keeps the rest', () => {
    expect(redactUrl('/v1/audit/events?patientId=p1&token=t0k&access_token=a&X-Amz-Signature=s')).toBe(
      '/v1/audit/events?patientId=p1&token=[redacted]&access_token=[redacted]&X-Amz-Signature=[redacted]',
    );
  });

  it('scrubs tokens and e-mail addresses from error text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwMSJ9.c2lnbmF0dXJl';
    const text = scrubText(`failed for jane@example.org with Bearer ${jwt} and ${jwt}`);
    expect(text).not.toContain('jane@example.org');
    expect(text).not.toContain(jwt);
  });
});
