import { z } from 'zod';

export const MEDIA_MODES = ['audio', 'video'] as const;
export type MediaMode = (typeof MEDIA_MODES)[number];
export const mediaModeSchema = z.enum(MEDIA_MODES);

export const id = () => z.string().min(1).max(200);
export const isoDate = () => z.string().datetime({ offset: true });
