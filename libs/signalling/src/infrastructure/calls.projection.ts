import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_STORE, EventStore, StoredEvent, Subscription } from '@vgp/event-store';
import {
  applyProjectionEvent,
  ensureProjectionIndexes,
  ProjectionDefinition,
  ProjectionHandler,
  READ_MODEL_STORE,
  ReadModelStore,
} from '@vgp/read-models';
import { CallEvent, CallState, evolve, OpenCall } from '../domain/call.decider';

export type CallChangeListener = (event: CallEvent, call: OpenCall) => void;

/** One document per call, by call id: the call as the domain's own evolve folds it. */
export const SIGNALLING_CALLS = 'signalling_calls';
/** One document per consultation with a running call: `{ consultationId, callId }`. */
export const SIGNALLING_ACTIVE_CALLS = 'signalling_active_calls';

export type ActiveCall = { consultationId: string; callId: string };

const CALL_STREAM_PREFIX = 'call-';
const callIdOf = (event: StoredEvent): string | null =>
  event.streamId.startsWith(CALL_STREAM_PREFIX) && event.streamId.length > CALL_STREAM_PREFIX.length ? event.streamId.slice(CALL_STREAM_PREFIX.length) : null;
/** Events only a running call has (an ended call takes none). */
const RUNNING_CALL_EVENTS = new Set(['CallStarted', 'ParticipantJoined', 'ParticipantLeft', 'MediaModeSwitched']);

const callEventOf = (stored: StoredEvent): CallEvent => ({ type: stored.type, data: stored.data }) as CallEvent;

/** Pure: the call after one event of its stream; null while it has not started. */
export const foldCall = (doc: OpenCall | null, stored: StoredEvent): OpenCall | null => {
  const before: CallState = doc ?? { status: 'none' };
  const after = evolve(before, callEventOf(stored));
  return after.status === 'none' ? doc : after;
};

/**
 * Pure: which call of the consultation is active. Any event of a running call makes it the one;
 * its end clears the entry unless another call of the consultation took it over meanwhile.
 */
export const foldActiveCall = (doc: ActiveCall | null, stored: StoredEvent): ActiveCall | null => {
  const callId = callIdOf(stored);
  const { consultationId } = (stored.data ?? {}) as { consultationId?: string };
  if (!callId || !consultationId) return doc;
  if (stored.type === 'CallEnded') return doc?.callId === callId ? null : doc;
  return RUNNING_CALL_EVENTS.has(stored.type) ? { consultationId, callId } : doc;
};

const byCall: ProjectionHandler<OpenCall> = {
  collection: SIGNALLING_CALLS,
  indexes: [{ name: 'by_consultation', fields: ['consultationId'] }],
  keyOf: callIdOf,
  fold: foldCall,
};

const activeByConsultation: ProjectionHandler<ActiveCall> = {
  collection: SIGNALLING_ACTIVE_CALLS,
  // A call runs for one consultation only, so at most one entry names it.
  indexes: [{ name: 'by_call', fields: ['callId'], unique: true }],
  keyOf: (event) => {
    const consultationId = (event.data as { consultationId?: unknown } | null)?.consultationId;
    return callIdOf(event) && typeof consultationId === 'string' && consultationId !== '' ? consultationId : null;
  },
  fold: foldActiveCall,
};

/** This service's `call` streams: every call, and the active call of each consultation. */
export const signallingCallsProjection: ProjectionDefinition = {
  name: 'signalling-calls',
  categories: ['call'],
  handlers: [byCall as unknown as ProjectionHandler, activeByConsultation as unknown as ProjectionHandler],
};

/** Every call of this service, folded with the domain's own evolve, and the active call of each consultation. */
@Injectable()
export class CallsProjection {
  private readonly logger = new Logger(CallsProjection.name);
  private readonly listeners = new Set<CallChangeListener>();
  private subscription: Subscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
  ) {}

  /**
   * Follows the store from the projection's checkpoint (what startProjection does), telling the
   * listeners about each event once its documents are written; resolves once every stored event is folded.
   */
  async start(): Promise<void> {
    if (this.subscription) return;
    const { store, readModels } = this;
    await ensureProjectionIndexes(signallingCallsProjection, readModels);
    const fromPosition = (await readModels.readCheckpoint(signallingCallsProjection.name)) ?? 0;
    this.subscription = store.subscribe({ fromPosition, categories: signallingCallsProjection.categories }, async (event) => {
      await applyProjectionEvent(signallingCallsProjection, readModels, event);
      await this.notify(event);
    });
    await this.subscription.caughtUp();
  }

  /** Resolves once every event appended before the call is folded (read-your-writes). */
  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error(`${CallsProjection.name} is not started`);
    await this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  get(callId: string): Promise<OpenCall | null> {
    return this.readModels.get<OpenCall>(SIGNALLING_CALLS, callId);
  }

  async activeCallOf(consultationId: string): Promise<OpenCall | null> {
    const active = await this.readModels.get<ActiveCall>(SIGNALLING_ACTIVE_CALLS, consultationId);
    return active ? this.get(active.callId) : null;
  }

  /** Live changes, for the WebSocket edge (e.g. a call ended because its consultation was cancelled). */
  onChange(listener: CallChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async notify(stored: StoredEvent): Promise<void> {
    const callId = callIdOf(stored);
    if (!callId || this.listeners.size === 0) return;
    let call: OpenCall | null;
    try {
      call = await this.get(callId);
    } catch (error) {
      // The document is written; a failed read must not replay the event.
      this.logger.warn(`call change not announced: ${error instanceof Error ? error.name : typeof error}`);
      return;
    }
    if (!call) return;
    const event = callEventOf(stored);
    for (const listener of this.listeners) {
      try {
        listener(event, call);
      } catch {
        // A listener's failure must not stop the read model.
      }
    }
  }
}
