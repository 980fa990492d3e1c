/** User ids (patients, clinicians, token subjects) are opaque, but of a known shape. */
export const USER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
export const USER_ID_MESSAGE = '$property must be 1 to 128 of A-Z a-z 0-9 . _ : @ -';

/** An ISO 8601 date-time that names its offset (Z or ±hh:mm), so it is one instant everywhere. */
export const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
export const ISO_WITH_OFFSET_MESSAGE = '$property must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T09:00:00Z';
