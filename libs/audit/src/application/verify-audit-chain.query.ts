export class VerifyAuditChainQuery {}
