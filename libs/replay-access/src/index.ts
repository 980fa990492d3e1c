export { ReplayAccessModule, REPLAY_ACCESS_GROUP } from './replay-access.module';
export { REPLAY_ACCESS_CONFIG, KILL_SWITCH_VARIABLE } from './application/replay-access.config';
export { decideAccess, replayableFor } from './domain/access-policy';
export type { AccessDecision, ConsentShare, RecordingFacts, Viewer } from './domain/access-policy';
export { replayAccessProjection } from './infrastructure/replay-access.projection';
