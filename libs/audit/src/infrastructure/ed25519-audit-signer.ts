import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ConfigValidationError } from '@vgp/platform';
import type { AuditSigner } from '../application/audit-signer.port';
import type { SignatureCheck } from '../domain/audit-checkpoint';

export const SIGNING_KEY_VARIABLE = 'AUDIT_SIGNING_KEY';
const ACCEPTS = 'an Ed25519 private key as PKCS8 PEM, or its 32-byte seed in base64';
// The fixed DER header of a PKCS8 Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const malformed = (message: string) =>
  // The value is a secret: never quoted back.
  new ConfigValidationError([{ variable: SIGNING_KEY_VARIABLE, message: `${SIGNING_KEY_VARIABLE}: ${message} (got a value (hidden)); accepts ${ACCEPTS}` }]);

/** Parses AUDIT_SIGNING_KEY; null when unset. */
export const parseSigningKey = (raw: string | undefined): KeyObject | null => {
  const value = raw?.trim();
  if (!value) return null;
  let key: KeyObject;
  try {
    if (value.includes('-----BEGIN')) {
      // Environments often carry a PEM on one line with literal \n.
      key = createPrivateKey({ key: value.replace(/\\n/g, '\n'), format: 'pem' });
    } else {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw malformed('is neither a PEM nor base64');
      const seed = Buffer.from(value, 'base64');
      if (seed.length !== 32) throw malformed(`decodes to ${seed.length} bytes, not a 32-byte seed`);
      key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    }
  } catch (error) {
    if (error instanceof ConfigValidationError) throw error;
    throw malformed('is not a readable private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw malformed(`is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not Ed25519`);
  return key;
};

export const checkEd25519Signature: SignatureCheck = (message, signature, publicKey) =>
  verify(null, Buffer.from(message, 'utf8'), createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }), Buffer.from(signature, 'base64'));

/** Signs audit checkpoints with one Ed25519 key; its id is the sha256 of the public key (SPKI DER). */
export const ed25519AuditSigner = (privateKey: KeyObject): AuditSigner => {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const keyId = createHash('sha256').update(spki).digest('hex');
  return {
    keyId,
    publicKey: spki.toString('base64'),
    sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64'),
    checkSignature: checkEd25519Signature,
    trustedKeyIds: new Set([keyId]),
  };
};

/**
 * The signer from AUDIT_SIGNING_KEY. Production requires the key; elsewhere an ephemeral key is
 * generated (its checkpoints count as untrusted after a restart). Only the fingerprint is logged.
 */
export const auditSignerFromEnv = (env: Record<string, string | undefined>, production: boolean, logger = new Logger('AuditCheckpoints')): AuditSigner => {
  const configured = parseSigningKey(env[SIGNING_KEY_VARIABLE]);
  if (!configured && production) {
    throw new ConfigValidationError([{ variable: SIGNING_KEY_VARIABLE, message: `${SIGNING_KEY_VARIABLE}: is required when NODE_ENV=production (not set); accepts ${ACCEPTS}` }]);
  }
  const signer = ed25519AuditSigner(configured ?? generateKeyPairSync('ed25519').privateKey);
  if (configured) logger.log(`audit checkpoints are signed with Ed25519 key sha256:${signer.keyId}`);
  else logger.warn(`${SIGNING_KEY_VARIABLE} is not set: audit checkpoints are signed with an ephemeral Ed25519 key sha256:${signer.keyId} (not for production)`);
  return signer;
};
