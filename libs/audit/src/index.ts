export * from './audit.module';
export * from './domain/audit-chain';
export * from './domain/access-log';
export { AuditLogProjection } from './infrastructure/audit-log.projection';
export { AUDIT_SHA256 } from './application/audit.tokens';
