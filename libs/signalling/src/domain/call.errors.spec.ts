import { CallNotFound, NotACallParticipant, UnknownConsultation } from './call.errors.js';

// Invariant: "not yours" is told exactly what "unknown" is told (same code, title and detail).
const answerOf = (error: { code: string; kind: string; title: string | undefined; detail: string }) => ({
  code: error.code,
  kind: error.kind,
  title: error.title,
  detail: error.detail,
});

describe('a caller who is not a participant', () => {
  it('is told about a consultation exactly what an unknown consultation is told', () =>
    expect(answerOf(new NotACallParticipant('consultation'))).toEqual(answerOf(new UnknownConsultation())));

  it('is told about a call exactly what an unknown call is told', () =>
    expect(answerOf(new NotACallParticipant('call'))).toEqual(answerOf(new CallNotFound())));
});
