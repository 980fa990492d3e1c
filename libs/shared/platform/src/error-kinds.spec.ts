import { ConcurrencyConflict, DomainError } from '@vgp/domain';
import { ERROR_KINDS, webSocketErrorOf } from './error-kinds.js';
import { toProblem } from './problem-details.filter.js';

class SlotTaken extends DomainError {
  readonly code = 'slot-taken';
  readonly kind = 'conflict';
  constructor() {
    super('Someone booked this slot first; pick another.', { extensions: { slot: 's-1', status: 999 }, headers: { 'Retry-After': '5' } });
  }
}

class HiddenReason extends DomainError {
  readonly code = 'store-unavailable';
  readonly kind = 'unavailable';
  constructor() {
    super('disk /var/lib/vgp/x.sqlite is full');
  }
  override get detail(): string {
    return 'Retry shortly.';
  }
}

describe('one error taxonomy, one table', () => {
  it('renders a context refusal as RFC 9457 problem details: status from its kind, type from its code, its detail and extensions', () => {
    const problem = toProblem(new SlotTaken(), '/v1/x', 'corr-1');
    expect(problem).toEqual({
      type: 'https://errors.vgp.example/slot-taken',
      title: 'Conflict',
      status: 409,
      detail: 'Someone booked this slot first; pick another.',
      instance: '/v1/x',
      correlationId: 'corr-1',
      slot: 's-1',
    });
  });

  it('never shows a message kept for logs', () => {
    expect(toProblem(new HiddenReason(), '/v1/x', 'c')).toMatchObject({ status: 503, detail: 'Retry shortly.' });
    expect(JSON.stringify(toProblem(new HiddenReason(), '/v1/x', 'c'))).not.toContain('/var/lib');
  });

  it('maps every kind to an HTTP error status', () => {
    for (const { status } of Object.values(ERROR_KINDS)) expect(status).toBeGreaterThanOrEqual(400);
    expect(toProblem(new ConcurrencyConflict('s'), '/', 'c')).toMatchObject({
      status: 409,
      type: 'https://errors.vgp.example/concurrent-update',
    });
  });

  it('gives WebSocket clients the same refusal as a code and a detail', () => {
    expect(webSocketErrorOf(new SlotTaken())).toEqual({ code: 'slot_taken', detail: 'Someone booked this slot first; pick another.' });
    expect(webSocketErrorOf(new HiddenReason())).toEqual({ code: 'unavailable', detail: 'Retry shortly.' });
  });
});
