export * from './booking.module';
export * from './domain/consultation.decider';
export * from './domain/consultation.errors';
export * from './domain/consultation-access.policy';
export { consultationsProjection, CONSULTATIONS_COLLECTION, CONSULTATIONS_PROJECTION } from './infrastructure/consultations.projection';
export type { ConsultationView, ConsultationStatus } from './application/consultation.queries';
