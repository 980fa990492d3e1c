import { createHash } from 'node:crypto';

// Fixed for ever: changing it would rename every consultation's calls.
const CALL_ID_NAMESPACE = Buffer.from('3f6c1d0a8e2b4c7d9a51e0b4c2d7f813', 'hex');

/**
 * The id of a consultation's n-th call (a name-based UUID, version 5). Every replica names the next call of a
 * consultation alike, so two starts at once append to the same new stream and the store lets one through.
 */
export const callIdOf = (consultationId: string, seq: number): string => {
  const hash = createHash('sha1').update(CALL_ID_NAMESPACE).update(`${consultationId}/call/${seq}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
