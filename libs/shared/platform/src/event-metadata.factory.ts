import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '@vgp/auth';
import { type EventMetadata, type Role } from '@vgp/contracts';
import { AppConfig } from './app-config.js';
import { PLATFORM_OPTIONS, type PlatformOptions } from './platform-options.js';
import { currentCorrelationId } from './request-context.js';

/** Every event says who caused it, in which request, and under which release and flags (invariant 5). */
@Injectable()
export class EventMetadataFactory {
  constructor(
    private readonly config: AppConfig,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
  ) {}

  /**
   * For HTTP/WS handlers: the caller acts under `role` (default: their first role), in the clinic of
   * their verified token (the audit files the event under it, ADR 0022).
   */
  forUser(user: AuthenticatedUser, role?: Role): EventMetadata {
    if (role !== undefined && !user.roles.includes(role)) {
      throw new Error(`user does not hold role ${role}`);
    }
    return this.build({ id: user.id, role: role ?? user.roles[0], clinicId: user.clinicId }, currentCorrelationId(), null);
  }

  /** For event handlers: the service reacts to `event`, in the same correlation. */
  causedBy(event: { id: string; correlationId: string }): EventMetadata {
    return this.build({ id: this.options.serviceName, role: 'system' }, event.correlationId, event.id);
  }

  /** For work nobody asked for (seeders, schedulers). */
  system(): EventMetadata {
    return this.build({ id: this.options.serviceName, role: 'system' }, currentCorrelationId(), null);
  }

  private build(actor: EventMetadata['actor'], correlationId: string, causationId: string | null): EventMetadata {
    return {
      actor,
      correlationId,
      causationId,
      softwareVersion: this.config.get('SOFTWARE_VERSION'),
      featureFlags: [...this.config.get('FEATURE_FLAGS')],
    };
  }
}
