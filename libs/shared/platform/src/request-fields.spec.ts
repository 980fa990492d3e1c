import { isoDateTimeWithOffset } from './request-fields.js';

describe('an ISO 8601 date-time with an offset', () => {
  const instant = isoDateTimeWithOffset();

  it.each(['2030-03-01T09:00:00Z', '2030-03-01T09:00Z', '2030-03-01T09:00:00.123456789+01:00', '2028-02-29T23:59:59-05:30'])(
    'accepts %s',
    (value) => expect(instant.safeParse(value).success).toBe(true),
  );

  it.each([
    ['no offset', '2030-03-01T09:00:00'],
    ['a day that does not exist', '2030-02-31T09:00:00Z'],
    ['a day only', '2030-03-01'],
    ['a space for the T', '2030-03-01 09:00:00Z'],
    ['an hour that does not exist', '2030-03-01T24:30:00Z'],
    ['an offset without a colon', '2030-03-01T09:00:00+0100'],
    ['more than nanoseconds', '2030-03-01T09:00:00.1234567891Z'],
    ['words', 'tomorrow'],
  ])('refuses %s', (_case, value) => expect(instant.safeParse(value).success).toBe(false));
});
