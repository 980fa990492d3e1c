export * from './booking.module';
export * from './domain/consultation.decider';
export * from './domain/consultation.errors';
export * from './domain/consultation-access.policy';
export { ConsultationsProjection, consultationsProjection, CONSULTATIONS_COLLECTION, CONSULTATIONS_PROJECTION } from './infrastructure/consultations.projection';
export type { ConsultationView, ConsultationStatus } from './infrastructure/consultations.projection';
export { BOOKING_CLOCK } from './application/booking.tokens';
export type { Clock } from './application/booking.tokens';
