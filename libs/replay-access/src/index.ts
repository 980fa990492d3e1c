export { ReplayAccessModule, REPLAY_ACCESS_GROUP } from './replay-access.module.js';
export { REPLAY_ACCESS_CONFIG, KILL_SWITCH_VARIABLE } from './application/replay-access.config.js';
export { decideAccess, replayableFor } from './domain/access-policy.js';
export type { AccessDecision, ConsentShare, RecordingFacts, Viewer } from './domain/access-policy.js';
export { replayAccessProjection } from './infrastructure/replay-access.projection.js';
