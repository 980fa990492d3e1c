export { ReplayAccessModule, REPLAY_ACCESS_GROUP } from './replay-access.module';
export { REPLAY_CLOCK, KILL_SWITCH_VARIABLE } from './application/replay-access.settings';
export type { Clock } from './application/replay-access.settings';
export { decideAccess, replayableFor } from './domain/access-policy';
export type { AccessDecision, ConsentShare, RecordingFacts, Viewer } from './domain/access-policy';
export { replayAccessProjection } from './infrastructure/replay-access.read-model';
