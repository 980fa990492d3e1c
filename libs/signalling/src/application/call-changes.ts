import { Injectable, Logger } from '@nestjs/common';
import type { DomainEvent } from '@vgp/contracts';
import { type CallEvent, isCallEvent } from '../domain/call.decider.js';

export type CallChangeListener = (event: CallEvent) => void;

/** Live changes of calls, once the calls read model holds them (e.g. a call ended because its consultation was cancelled). */
export interface CallChanges {
  /** Returns the unsubscribe function. */
  onChange(listener: CallChangeListener): () => void;
}
export const CALL_CHANGES = Symbol('SIGNALLING_CALL_CHANGES');

/** In-process fan-out, fed by the calls projection's `onApplied` hook; the WebSocket gateway listens. */
@Injectable()
export class CallChangeRegistry implements CallChanges {
  private readonly logger = new Logger(CallChangeRegistry.name);
  private readonly listeners = new Set<CallChangeListener>();

  onChange(listener: CallChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  announce(event: DomainEvent): void {
    if (!isCallEvent(event)) return;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // One listener's failure must not keep the others from hearing it.
        this.logger.warn(`call change listener failed: ${error instanceof Error ? error.name : typeof error}`);
      }
    }
  }
}
