import { createHash } from 'node:crypto';
import { Sha256 } from '../domain/audit-chain';

export const nodeSha256: Sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
