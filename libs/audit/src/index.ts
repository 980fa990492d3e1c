export * from './audit.module.js';
export * from './domain/audit-chain.js';
export * from './domain/access-log.js';
export * from './domain/authorization-facts.js';
export * from './domain/exposure-detector.js';
export * from './domain/incident-reconstruction.js';
export * from './domain/audit-checkpoint.js';
export * from './domain/fhir-audit-event.js';
export * from './domain/audit.errors.js';
export {
  auditLogProjection,
  AUDIT_ENTRIES_COLLECTION,
  AUDIT_BINDINGS_COLLECTION,
  AUDIT_SUBJECTS_COLLECTION,
} from './infrastructure/audit-log.projection.js';
export { AuditLogReadModel } from './infrastructure/audit-log.read-model.js';
export { AUDIT_LOG_PROJECTION, AUDIT_LOG_QUERIES } from './application/audit-log.queries.js';
export type { AuditLogQueries, EntrySelector } from './application/audit-log.queries.js';
export { AUDIT_SHA256 } from './application/audit.tokens.js';
export { AUDIT_SIGNER } from './application/audit-signer.port.js';
export type { AuditSigner } from './application/audit-signer.port.js';
export {
  AUDIT_CONFIG,
  AUDIT_WRITER_LEASE_CONFIG,
  CHECKPOINT_EVERY_VARIABLE,
  WRITER_LEASE_RENEW_VARIABLE,
  WRITER_LEASE_TTL_VARIABLE,
} from './application/audit.config.js';
export { AUDIT_SIGNING_CONFIG, SIGNING_KEY_VARIABLE } from './infrastructure/ed25519-audit-signer.js';
