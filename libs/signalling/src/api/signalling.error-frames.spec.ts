import { webSocketErrorOf } from '@vgp/platform';
import { CallAlreadyEnded, CallNotFound, ConsultationClosed, NotACallParticipant, OutsideBookedWindow } from '../domain/call.errors.js';

// The codes WebSocket clients switch on, as the one error table derives them from the call's refusals.
describe('error frames of the signalling socket', () => {
  it.each([
    ['an unknown call', new CallNotFound(), 'not_found'],
    ["someone else's call", new NotACallParticipant('call'), 'not_found'],
    ['an ended call', new CallAlreadyEnded(), 'call_ended'],
    [
      'a call outside the booked time',
      new OutsideBookedWindow('2026-03-02T09:45:00.000Z', '2026-03-02T10:35:00.000Z'),
      'outside_booked_window',
    ],
    ['a cancelled consultation', new ConsultationClosed('cancelled'), 'consultation_closed'],
  ])('%s', (_name, error, code) => expect(webSocketErrorOf(error)).toEqual({ code, detail: error.detail }));

  it('tells a stranger nothing an unknown id would not tell', () =>
    expect(webSocketErrorOf(new NotACallParticipant('call'))).toEqual(webSocketErrorOf(new CallNotFound())));
});
