import { z } from 'zod';
import { id, isoDate } from './common.js';
import { ROLES } from './envelope.js';

/** Why access was allowed: the caller took part in the consultation, or the patient shared it. */
export const accessBasisSchema = z.enum(['participant', 'consent_share']);

/**
 * Integration events of the replay-access context (topic `replay.events`).
 * Each is appended durably BEFORE the answer it describes leaves the service (invariant 3).
 * `patientIds` are the patients whose recordings were exposed, so compliance can find them fast.
 */
export const replayEventSchemas = {
  ReplayListed: z.object({
    listId: id(),
    viewerId: id(),
    recordingIds: z.array(id()),
    patientIds: z.array(id()),
    consultationIds: z.array(id()),
  }),
  ReplayGranted: z.object({
    grantId: id(),
    viewerId: id(),
    recordingId: id(),
    consultationId: id(),
    patientId: id(),
    basis: accessBasisSchema,
    shareId: id().nullable(),
    tokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
    expiresAt: isoDate(),
    /** Who the grant was issued to, so a stream re-checks access as that viewer (optional for older events). */
    clinicId: id().optional(),
    viewerRoles: z.array(z.enum(ROLES)).max(ROLES.length).optional(),
  }),
  ReplayDenied: z.object({
    viewerId: id(),
    recordingId: id(),
    /** The patient is recorded only when the recording exists; compliance needs it, the caller never sees it. */
    patientId: id().nullable(),
    reason: z.enum([
      'not_found',
      'not_a_participant',
      'share_revoked',
      'share_expired',
      'grant_expired',
      'grant_unknown',
      'kill_switch',
      'rate_limited',
    ]),
    /** `list` with recordingId '*' is a whole list refused (kill switch). */
    operation: z.enum(['list', 'grant', 'stream', 'share', 'revoke_share']),
    /**
     * Only with reason `rate_limited` (added later, optional so older events still parse): one event stands for
     * `count` stream probes from one client address that were refused (429) without an event each.
     */
    suppressed: z.object({ count: z.number().int().positive(), firstAt: isoDate(), lastAt: isoDate() }).optional(),
  }),
  ReplayStreamed: z.object({
    grantId: id(),
    viewerId: id(),
    recordingId: id(),
    consultationId: id(),
    patientId: id(),
    rangeStart: z.number().int().nonnegative(),
    rangeEnd: z.number().int().nonnegative(),
    totalBytes: z.number().int().nonnegative(),
  }),
  ShareGranted: z.object({
    shareId: id(),
    recordingId: id(),
    patientId: id(),
    granteeId: id(),
    purpose: z.enum(['second_opinion', 'carer', 'legal', 'research', 'other']),
    until: isoDate(),
  }),
  ShareRevoked: z.object({ shareId: id(), recordingId: id(), patientId: id(), granteeId: id() }),
} as const;
