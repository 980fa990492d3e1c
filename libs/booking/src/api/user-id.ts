import { z } from 'zod';

/** User ids (patients, clinicians, token subjects) are opaque, but of a known shape. */
export const USER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

export const userId = () => z.string().regex(USER_ID_PATTERN, 'must be 1 to 128 of A-Z a-z 0-9 . _ : @ -');
