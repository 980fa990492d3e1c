import { Logger } from '@nestjs/common';
import { CallChangeRegistry } from './call-changes.js';
import { type CallEvent } from '../domain/call.decider.js';

const callEnded: CallEvent = {
  type: 'CallEnded',
  data: { callId: 'call-1', consultationId: 'cons-1', lastSegmentId: 'seg-1', reason: 'hangup' },
};

describe('live call changes', () => {
  it('tells every listener, even when one of them fails, and logs the failure', () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const registry = new CallChangeRegistry();
    const heard: CallEvent[] = [];
    registry.onChange(() => {
      throw new Error('a broken listener');
    });
    registry.onChange((event) => heard.push(event));
    registry.announce(callEnded);
    expect(heard).toEqual([callEnded]);
    expect(warn).toHaveBeenCalledWith('call change listener failed: Error');
    warn.mockRestore();
  });

  it('tells nobody about events that are not call events, nor anyone who unsubscribed', () => {
    const registry = new CallChangeRegistry();
    const heard: CallEvent[] = [];
    const unsubscribe = registry.onChange((event) => heard.push(event));
    registry.announce({ type: 'ConsultationCancelled', data: { consultationId: 'cons-1', reason: 'other' } });
    unsubscribe();
    registry.announce(callEnded);
    expect(heard).toEqual([]);
  });
});
