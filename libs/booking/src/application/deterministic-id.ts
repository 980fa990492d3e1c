import { createHash } from 'node:crypto';

/** A UUID (version-5 shape, SHA-256 based) that is always the same for the same name. */
export const deterministicUuid = (namespace: string, ...parts: string[]): string => {
  const h = createHash('sha256')
    .update(JSON.stringify([namespace, ...parts]), 'utf8')
    .digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
