import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { configFragment, ConfigValidationError } from '@vgp/platform';
import { z } from 'zod';
import type { AuditSigner } from '../application/audit-signer.port.js';
import type { SignatureCheck } from '../domain/audit-checkpoint.js';

export const SIGNING_KEY_VARIABLE = 'AUDIT_SIGNING_KEY';
const ACCEPTS = 'an Ed25519 private key as PKCS8 PEM, or its 32-byte seed in base64';
// The fixed DER header of a PKCS8 Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Why a value is not a signing key; its text goes into the boot error, never the value. */
class UnreadableKey extends Error {}

/** Reads AUDIT_SIGNING_KEY's value; throws UnreadableKey saying what is wrong with it. */
const readSigningKey = (value: string): KeyObject => {
  let key: KeyObject;
  try {
    if (value.includes('-----BEGIN')) {
      // Environments often carry a PEM on one line with literal \n.
      key = createPrivateKey({ key: value.replace(/\\n/g, '\n'), format: 'pem' });
    } else {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw new UnreadableKey('is neither a PEM nor base64');
      const seed = Buffer.from(value, 'base64');
      if (seed.length !== 32) throw new UnreadableKey(`decodes to ${seed.length} bytes, not a 32-byte seed`);
      key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    }
  } catch (error) {
    if (error instanceof UnreadableKey) throw error;
    throw new UnreadableKey('is not a readable private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new UnreadableKey(`is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not Ed25519`);
  return key;
};

export type AuditSigningSettings = {
  /** The configured key; null when unset. */
  signingKey: KeyObject | null;
};

/** AUDIT_SIGNING_KEY, read with `AppConfig.of`; a secret, so boot errors never quote it. */
export const AUDIT_SIGNING_CONFIG = configFragment<AuditSigningSettings>({
  name: 'audit-signing',
  variables: {
    [SIGNING_KEY_VARIABLE]: { default: '(none: required in production, an ephemeral key elsewhere)', accepts: ACCEPTS, secret: true },
  },
  schema: z.object({ [SIGNING_KEY_VARIABLE]: z.string().optional() }).transform((env, ctx) => {
    const value = env[SIGNING_KEY_VARIABLE];
    if (value === undefined) return { signingKey: null };
    try {
      return { signingKey: readSigningKey(value) };
    } catch (error) {
      if (!(error instanceof UnreadableKey)) throw error;
      ctx.addIssue({ code: 'custom', path: [SIGNING_KEY_VARIABLE], message: error.message });
      return z.NEVER;
    }
  }),
});

export const checkEd25519Signature: SignatureCheck = (message, signature, publicKey) =>
  verify(
    null,
    Buffer.from(message, 'utf8'),
    createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }),
    Buffer.from(signature, 'base64'),
  );

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
export const auditSigner = (
  { signingKey }: AuditSigningSettings,
  production: boolean,
  logger = new Logger('AuditCheckpoints'),
): AuditSigner => {
  if (!signingKey && production) {
    throw new ConfigValidationError([
      {
        variable: SIGNING_KEY_VARIABLE,
        message: `${SIGNING_KEY_VARIABLE}: is required when NODE_ENV=production (not set); accepts ${ACCEPTS}`,
      },
    ]);
  }
  const signer = ed25519AuditSigner(signingKey ?? generateKeyPairSync('ed25519').privateKey);
  if (signingKey) logger.log(`audit checkpoints are signed with Ed25519 key sha256:${signer.keyId}`);
  else
    logger.warn(
      `${SIGNING_KEY_VARIABLE} is not set: audit checkpoints are signed with an ephemeral Ed25519 key sha256:${signer.keyId} (not for production)`,
    );
  return signer;
};
