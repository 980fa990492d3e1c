import { callIdOf } from './call-ids.js';

describe("a consultation's call ids", () => {
  const consultation = '0b6f5e2c-93a4-4f1e-8d7a-2c1b9e0f4a11';

  it('are the same on every replica, so two starts of the next call meet on one stream', () =>
    expect(callIdOf(consultation, 1)).toBe(callIdOf(consultation, 1)));

  it("differ from call to call and from another consultation's", () => {
    const ids = new Set([callIdOf(consultation, 1), callIdOf(consultation, 2), callIdOf('5d1c0c7e-1b7a-4a63-9e3b-7f0c2d9a8b55', 1)]);
    expect(ids.size).toBe(3);
  });

  it('are name-based UUIDs (version 5), which the REST paths accept', () =>
    expect(callIdOf(consultation, 7)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));
});
