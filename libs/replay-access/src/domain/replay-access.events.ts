import { type DomainEvent, type RecordingEventData, type ReplayEventData } from '@vgp/contracts';

type Of<K extends keyof ReplayEventData> = DomainEvent<K, ReplayEventData[K]>;

export type ReplayListed = Of<'ReplayListed'>;
export type ReplayGranted = Of<'ReplayGranted'>;
export type ReplayDenied = Of<'ReplayDenied'>;
export type ReplayStreamed = Of<'ReplayStreamed'>;
export type ShareGranted = Of<'ShareGranted'>;
export type ShareRevoked = Of<'ShareRevoked'>;

/** The recording context's fact, copied in by the inbox: the server-side binding of one stored segment. */
export type RecordingStored = DomainEvent<'RecordingStored', RecordingEventData['RecordingStored']>;

/** What happened to one viewer's access, in stream `access-<viewerId>`: facts, never rejected. */
export type AccessEvent = ReplayListed | ReplayGranted | ReplayDenied | ReplayStreamed;

/** The life of one consent share, in stream `share-<shareId>`. */
export type ShareEvent = ShareGranted | ShareRevoked;

export type DenialReason = ReplayDenied['data']['reason'];
export type DeniedOperation = ReplayDenied['data']['operation'];

/** The viewer of a request nobody could be identified for (an unknown stream token). */
export const ANONYMOUS_VIEWER = 'anonymous';
/** The recording id of a denial that concerns no single recording (a refused list, an unknown token). */
export const NO_SINGLE_RECORDING = '*';

export const replayDenied = (data: ReplayDenied['data']): ReplayDenied => ({ type: 'ReplayDenied', data });

/** The decided event of one type, typed; undefined when the decision was another. */
export const findEvent = <E extends AccessEvent | ShareEvent, T extends E['type']>(
  events: readonly E[],
  type: T,
): Extract<E, { type: T }> | undefined => events.find((event): event is Extract<E, { type: T }> => event.type === type);
