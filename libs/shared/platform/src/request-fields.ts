import { z } from 'zod';

/** Z or ±hh:mm, seconds optional (`2026-03-01T09:00Z` is accepted, as before zod), at most nanoseconds. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
// zod checks the calendar (no 2030-02-31) but wants seconds, or with precision -1 forbids them: either passes.
const withSeconds = z.iso.datetime({ offset: true });
const withoutSeconds = z.iso.datetime({ offset: true, precision: -1 });

const ISO_WITH_OFFSET_MESSAGE = 'must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T09:00:00Z';

/**
 * An ISO 8601 date-time that names its offset, so it is one instant everywhere. A refinement, not a zod format,
 * so OpenAPI shows `format: date-time` without zod's long pattern.
 */
export const isoDateTimeWithOffset = () =>
  z
    .string()
    .refine((value) => ISO_WITH_OFFSET.test(value) && (withSeconds.safeParse(value).success || withoutSeconds.safeParse(value).success), {
      message: ISO_WITH_OFFSET_MESSAGE,
    })
    .meta({ format: 'date-time' });

/** A whole number in a query string (`?limit=50`), bounded. */
export const queryInteger = (min: number, max?: number) => {
  const atLeast = z.coerce.number().int().min(min);
  return max === undefined ? atLeast : atLeast.max(max);
};
