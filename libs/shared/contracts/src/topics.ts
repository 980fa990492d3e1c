/** Kafka topics, one per publishing context; every message is keyed by consultation id. */
export const TOPICS = {
  consultation: 'consultation.events',
  call: 'call.events',
  recording: 'recording.events',
  replay: 'replay.events',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const DEAD_LETTER_SUFFIX = '.dlq';
