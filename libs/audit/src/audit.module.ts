import { DynamicModule, Inject, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TOPICS } from '@vgp/contracts';
import { EVENT_STORE, EventStore } from '@vgp/event-store';
import { Consumer, MESSAGE_BUS, MessageBus, startInbox } from '@vgp/messaging';
import { AppConfig, ContextAdapters, HealthRegistry } from '@vgp/platform';
import { InMemoryReadModelStore, READ_MODEL_STORE, ReadModelStore } from '@vgp/read-models';
import { AccessLogController } from './api/access-log.controller';
import { AuditFhirController } from './api/audit-fhir.controller';
import { AuditController } from './api/audit.controller';
import { AuditChainAppender } from './application/audit-chain.appender';
import { AuditCheckpointWriter } from './application/audit-checkpoint.writer';
import { AUDIT_SIGNER } from './application/audit-signer.port';
import { AUDIT_SETTINGS, auditSettingsFromEnv } from './application/audit.settings';
import { AUDIT_SHA256 } from './application/audit.tokens';
import { GetAccessLogHandler } from './application/get-access-log.handler';
import { ReconstructIncidentHandler } from './application/reconstruct-incident.handler';
import { SearchAuditEventsHandler } from './application/search-audit-events.handler';
import { SearchFhirAuditEventsHandler } from './application/search-fhir-audit-events.handler';
import { SignAuditCheckpointHandler } from './application/sign-audit-checkpoint.handler';
import { VerifyAuditChainHandler } from './application/verify-audit-chain.handler';
import { AuditLogProjection } from './infrastructure/audit-log.projection';
import { auditSignerFromEnv } from './infrastructure/ed25519-audit-signer';
import { nodeSha256 } from './infrastructure/node-sha256';

export const AUDIT_GROUP_ID = 'audit';
export const AUDIT_TOPICS: string[] = [TOPICS.consultation, TOPICS.call, TOPICS.recording, TOPICS.replay];
const READINESS_CHECK = 'audit';
/** The read-model store this module created itself (none given in the adapters); it closes it. */
const OWNED_READ_MODELS = Symbol('AUDIT_OWNED_READ_MODELS');

/**
 * The audit context: copies every integration event into its own store (inbox), chains them into
 * one tamper-evident stream, and answers compliance officers and patients. It publishes nothing.
 */
@Module({})
export class AuditModule implements OnModuleInit, OnModuleDestroy {
  private inbox: Consumer | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly appender: AuditChainAppender,
    private readonly log: AuditLogProjection,
    private readonly health: HealthRegistry,
    @Inject(OWNED_READ_MODELS) private readonly ownedReadModels: ReadModelStore | null,
  ) {}

  static forRoot(adapters: ContextAdapters): DynamicModule {
    return {
      module: AuditModule,
      imports: [CqrsModule.forRoot()],
      controllers: [AuditController, AuditFhirController, AccessLogController],
      providers: [
        { provide: EVENT_STORE, useValue: adapters.eventStore },
        { provide: MESSAGE_BUS, useValue: adapters.bus },
        { provide: OWNED_READ_MODELS, useFactory: (): ReadModelStore | null => (adapters.readModels ? null : new InMemoryReadModelStore()) },
        {
          provide: READ_MODEL_STORE,
          useFactory: (owned: ReadModelStore | null): ReadModelStore => adapters.readModels ?? (owned as ReadModelStore),
          inject: [OWNED_READ_MODELS],
        },
        { provide: AUDIT_SHA256, useValue: nodeSha256 },
        // AUDIT_CHECKPOINT_EVERY and AUDIT_SIGNING_KEY are read here, at module init; a bad value fails boot naming it.
        { provide: AUDIT_SETTINGS, useFactory: () => auditSettingsFromEnv(process.env) },
        { provide: AUDIT_SIGNER, useFactory: (config: AppConfig) => auditSignerFromEnv(process.env, config.isProduction), inject: [AppConfig] },
        AuditCheckpointWriter,
        AuditChainAppender,
        AuditLogProjection,
        SearchAuditEventsHandler,
        VerifyAuditChainHandler,
        GetAccessLogHandler,
        ReconstructIncidentHandler,
        SearchFhirAuditEventsHandler,
        SignAuditCheckpointHandler,
      ],
    };
  }

  async onModuleInit(): Promise<void> {
    await this.log.start();
    await this.appender.start();
    // Chain whatever reached the inbox before a crash, then serve a complete read model.
    await this.appender.caughtUp();
    await this.log.caughtUp();
    this.inbox = await startInbox({ store: this.store, bus: this.bus, groupId: AUDIT_GROUP_ID, topics: AUDIT_TOPICS });
    this.health.register(READINESS_CHECK, async () => this.appender.running && this.log.running && (await this.store.isHealthy()) && (await this.bus.isHealthy()));
  }

  async onModuleDestroy(): Promise<void> {
    this.health.unregister(READINESS_CHECK);
    await this.inbox?.stop();
    this.inbox = null;
    await this.appender.stop();
    await this.log.stop();
    await this.ownedReadModels?.close();
  }
}
