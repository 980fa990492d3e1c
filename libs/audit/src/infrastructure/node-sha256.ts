import { createHash } from 'node:crypto';
import { type Sha256 } from '../domain/audit-chain.js';

export const nodeSha256: Sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
