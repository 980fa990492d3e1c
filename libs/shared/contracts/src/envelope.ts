import { z } from 'zod';

export const ROLES = ['patient', 'clinician', 'clinic_admin', 'compliance_officer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who caused an event. `system` is for the platform itself (projections, seeders, schedulers).
 * `clinicId` is the clinic of the verified token the user acted under; the platform itself acts in
 * no clinic, and events recorded before it joined the envelope have none (ADR 0022).
 */
export type Actor = { id: string; role: Role | 'system'; clinicId?: string };

export const actorSchema = z.object({
  id: z.string().min(1).max(200),
  role: z.enum([...ROLES, 'system']),
  clinicId: z.string().min(1).max(200).optional(),
});

/**
 * The versioned envelope every event travels in, inside a store and on the bus.
 * `data` holds identifiers only: no names, no free text about a patient.
 */
export type EventEnvelope<T extends string = string, D = unknown> = {
  id: string;
  type: T;
  schemaVersion: number;
  streamId: string;
  revision: number;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  actor: Actor;
  softwareVersion: string;
  featureFlags: string[];
  data: D;
};

export const envelopeSchema = z.object({
  id: z.string().uuid(),
  type: z.string().min(1).max(100),
  schemaVersion: z.number().int().positive(),
  streamId: z.string().min(1).max(300),
  revision: z.number().int().nonnegative(),
  occurredAt: z.string().datetime({ offset: true }),
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  actor: actorSchema,
  softwareVersion: z.string().min(1).max(100),
  featureFlags: z.array(z.string().max(100)).max(100),
  data: z.unknown(),
});

/**
 * What a handler supplies to record an event; the store assigns streamId and revision,
 * and the metadata comes from the request that caused it.
 */
export type EventMetadata = Pick<EventEnvelope, 'correlationId' | 'causationId' | 'actor' | 'softwareVersion' | 'featureFlags'>;

/** A domain event before it is enveloped: what `decide` returns. */
export type DomainEvent<T extends string = string, D = unknown> = { type: T; data: D };
