export * from './booking.module.js';
export * from './domain/consultation.decider.js';
export * from './domain/consultation.errors.js';
export * from './domain/consultation-access.policy.js';
export { consultationsProjection, CONSULTATIONS_COLLECTION, CONSULTATIONS_PROJECTION } from './infrastructure/consultations.projection.js';
export type { ConsultationView, ConsultationStatus } from './application/consultation.queries.js';
