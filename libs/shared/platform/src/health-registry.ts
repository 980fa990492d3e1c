import { Injectable } from '@nestjs/common';

/** Up or down, optionally with details for the operator (ids only: never personal data). */
export type HealthStatus = { up: boolean; [detail: string]: unknown };
export type HealthCheck = () => Promise<boolean | HealthStatus>;

/** Readiness checks registered by contexts (event store, bus, object store, projections caught up). */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  unregister(name: string): void {
    this.checks.delete(name);
  }

  entries(): [string, HealthCheck][] {
    return [...this.checks.entries()];
  }
}
