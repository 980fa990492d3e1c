import { AppConfig } from './app-config.js';
import { parseAppConfig } from './app-config.schema.js';
import { EventMetadataFactory } from './event-metadata.factory.js';
import { runWithCorrelationId } from './request-context.js';

const factory = new EventMetadataFactory(new AppConfig(parseAppConfig({ SOFTWARE_VERSION: '1.4.2', FEATURE_FLAGS: 'media-switch' }), {}), {
  serviceName: 'replay-access',
});
const clinician = { id: 'doc-1', roles: ['clinician' as const, 'clinic_admin' as const], clinicId: 'k1' };

describe('what every event records about its cause', () => {
  it('records the caller, the clinic of their token, the request and the release that served it', () => {
    const metadata = runWithCorrelationId('corr-1', () => factory.forUser(clinician));
    expect(metadata).toEqual({
      actor: { id: 'doc-1', role: 'clinician', clinicId: 'k1' },
      correlationId: 'corr-1',
      causationId: null,
      softwareVersion: '1.4.2',
      featureFlags: ['media-switch'],
    });
  });

  it('records the role the caller acted under, and only one they hold', () => {
    expect(factory.forUser(clinician, 'clinic_admin').actor).toEqual({ id: 'doc-1', role: 'clinic_admin', clinicId: 'k1' });
    expect(() => factory.forUser(clinician, 'compliance_officer')).toThrow();
  });

  it('records the same user id under another clinic’s token as acting in that clinic', () => {
    expect(factory.forUser({ ...clinician, clinicId: 'k2' }).actor).toEqual({ id: 'doc-1', role: 'clinician', clinicId: 'k2' });
  });

  it('chains a reaction to the event that caused it, in no clinic', () => {
    const metadata = factory.causedBy({ id: 'evt-9', correlationId: 'corr-7' });
    expect(metadata.actor).toEqual({ id: 'replay-access', role: 'system' });
    expect(metadata).toMatchObject({
      correlationId: 'corr-7',
      causationId: 'evt-9',
    });
  });

  it('gives system work its own correlation outside a request', () => {
    const a = factory.system();
    const b = factory.system();
    expect(a.actor).toEqual({ id: 'replay-access', role: 'system' });
    expect(a.correlationId).not.toBe(b.correlationId);
  });
});
