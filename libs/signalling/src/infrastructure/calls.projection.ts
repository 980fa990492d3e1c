import { Injectable } from '@nestjs/common';
import { Projection, StoredEvent } from '@vgp/event-store';
import { CallEvent, CallState, evolve, OpenCall } from '../domain/call.decider';

export type CallChangeListener = (event: CallEvent, call: OpenCall) => void;

/** Every call of this service, folded with the domain's own evolve, and the active call of each consultation. */
@Injectable()
export class CallsProjection extends Projection {
  protected readonly categories = ['call'];
  private readonly calls = new Map<string, OpenCall>();
  private readonly activeByConsultation = new Map<string, string>();
  private readonly listeners = new Set<CallChangeListener>();

  get(callId: string): OpenCall | null {
    return this.calls.get(callId) ?? null;
  }

  activeCallOf(consultationId: string): OpenCall | null {
    const callId = this.activeByConsultation.get(consultationId);
    return callId ? this.get(callId) : null;
  }

  /** Live changes, for the WebSocket edge (e.g. a call ended because its consultation was cancelled). */
  onChange(listener: CallChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected apply(stored: StoredEvent): void {
    const event = { type: stored.type, data: stored.data } as CallEvent;
    const callId = stored.streamId.slice('call-'.length);
    const before: CallState = this.calls.get(callId) ?? { status: 'none' };
    const after = evolve(before, event);
    if (after.status === 'none') return;
    this.calls.set(callId, after);
    if (after.status === 'active') this.activeByConsultation.set(after.consultationId, callId);
    else if (this.activeByConsultation.get(after.consultationId) === callId) this.activeByConsultation.delete(after.consultationId);
    for (const listener of this.listeners) {
      try {
        listener(event, after);
      } catch {
        // A listener's failure must not stop the read model.
      }
    }
  }
}
