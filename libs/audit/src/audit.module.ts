import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TOPICS } from '@vgp/contracts';
import { isWriterLeases, singleProcessLeases } from '@vgp/event-store';
import { AppConfig, type ContextAdapters, contextProviders } from '@vgp/platform';
import { AccessLogController } from './api/access-log.controller.js';
import { AuditFhirController } from './api/audit-fhir.controller.js';
import { AuditController } from './api/audit.controller.js';
import { AUDIT_CHAIN_HEAD } from './application/audit-chain-head.port.js';
import { AUDIT_WRITER_LEASES, AuditChainWriterLease } from './application/audit-chain-writer.lease.js';
import { AuditChainAppender } from './application/audit-chain.appender.js';
import { AuditCheckpointWriter } from './application/audit-checkpoint.writer.js';
import { AUDIT_LOG_QUERIES } from './application/audit-log.queries.js';
import { AUDIT_SIGNER } from './application/audit-signer.port.js';
import { AUDIT_SHA256 } from './application/audit.tokens.js';
import { GetAccessLogHandler } from './application/get-access-log.handler.js';
import { ReconstructIncidentHandler } from './application/reconstruct-incident.handler.js';
import { SearchAuditEventsHandler } from './application/search-audit-events.handler.js';
import { SearchFhirAuditEventsHandler } from './application/search-fhir-audit-events.handler.js';
import { SignAuditCheckpointHandler } from './application/sign-audit-checkpoint.handler.js';
import { VerifyAuditChainHandler } from './application/verify-audit-chain.handler.js';
import { auditLogProjection } from './infrastructure/audit-log.projection.js';
import { AuditLogReadModel } from './infrastructure/audit-log.read-model.js';
import { AUDIT_SIGNING_CONFIG, auditSigner } from './infrastructure/ed25519-audit-signer.js';
import { nodeSha256 } from './infrastructure/node-sha256.js';

export const AUDIT_GROUP_ID = 'audit';
export const AUDIT_TOPICS: string[] = [TOPICS.consultation, TOPICS.call, TOPICS.recording, TOPICS.replay];

/**
 * The audit context: copies every integration event into its own store (inbox), chains them into
 * one tamper-evident stream, and answers compliance officers and patients. It publishes nothing.
 */
@Module({})
export class AuditModule {
  static forRoot(adapters: ContextAdapters): DynamicModule {
    return {
      module: AuditModule,
      imports: [CqrsModule.forRoot()],
      controllers: [AuditController, AuditFhirController, AccessLogController],
      providers: [
        ...contextProviders(adapters, {
          inject: [AuditChainAppender],
          spec: (appender: AuditChainAppender) => ({
            name: 'audit',
            // 'stop': the audit log is what compliance reads; a skipped entry would hide an access from it.
            projections: [{ definition: auditLogProjection, onFailure: 'stop' }],
            // Chains whatever reached the inbox before a crash before the inbox takes anything new.
            processors: (observer) => [appender.processor(observer)],
            inbox: { groupId: AUDIT_GROUP_ID, topics: AUDIT_TOPICS },
          }),
        }),
        { provide: AUDIT_SHA256, useValue: nodeSha256 },
        // AUDIT_SIGNING_KEY (and, in the appender, AUDIT_CHECKPOINT_EVERY) are read at module init; a bad value fails boot naming it.
        {
          provide: AUDIT_SIGNER,
          useFactory: (config: AppConfig) => auditSigner(config.of(AUDIT_SIGNING_CONFIG), config.isProduction),
          inject: [AppConfig],
        },
        AuditCheckpointWriter,
        // One chain writer across replicas: a lease in the event store when it keeps them (PostgreSQL); one process needs none.
        { provide: AUDIT_WRITER_LEASES, useValue: isWriterLeases(adapters.eventStore) ? adapters.eventStore : singleProcessLeases },
        AuditChainWriterLease,
        AuditChainAppender,
        { provide: AUDIT_CHAIN_HEAD, useExisting: AuditChainAppender },
        { provide: AUDIT_LOG_QUERIES, useClass: AuditLogReadModel },
        SearchAuditEventsHandler,
        VerifyAuditChainHandler,
        GetAccessLogHandler,
        ReconstructIncidentHandler,
        SearchFhirAuditEventsHandler,
        SignAuditCheckpointHandler,
      ],
    };
  }
}
