import { createHash } from 'node:crypto';
import { Sha256 } from '../domain/audit-chain';

export const nodeSha256: Sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The id of the chain entry of a source event: a second attempt to chain it collides instead of duplicating. */
export const entryEventId = (sourceEventId: string): string => {
  const h = createHash('sha256').update(`audit-entry:${sourceEventId}`, 'utf8').digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
