/** The SHA-256 the chain is hashed with (node:crypto in production; injectable for tests). */
export const AUDIT_SHA256 = Symbol('AUDIT_SHA256');
