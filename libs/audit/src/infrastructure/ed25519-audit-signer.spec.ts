import { generateKeyPairSync } from 'node:crypto';
import { ConfigValidationError, type Environment, parseConfig } from '@vgp/platform';
import { AUDIT_CONFIG } from '../application/audit.config.js';
import { AUDIT_SIGNING_CONFIG, auditSigner, checkEd25519Signature } from './ed25519-audit-signer.js';

/** As the module builds it: the variable through its config fragment, then the signer. */
const auditSignerFromEnv = (env: Environment, production: boolean, logger: never) =>
  auditSigner(parseConfig(AUDIT_SIGNING_CONFIG, env), production, logger);
const auditSettingsFromEnv = (env: Environment) => parseConfig(AUDIT_CONFIG, env);

const silent = { log: () => undefined, warn: vi.fn() } as never;
const seed = Buffer.alloc(32, 7).toString('base64');
const refusalOf = (run: () => unknown): { variables: string[]; message: string } => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigValidationError) return { variables: error.variables, message: error.message };
    throw error;
  }
  return { variables: [], message: '' };
};
const variablesOf = (run: () => unknown): string[] => refusalOf(run).variables;

describe('the audit signing key and checkpoint interval from the environment', () => {
  it('accepts a base64 seed and a PKCS8 PEM, and signs verifiably with either', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const raw of [seed, pem, pem.replace(/\n/g, '\\n')]) {
      const signer = auditSignerFromEnv({ AUDIT_SIGNING_KEY: raw }, true, silent);
      expect(checkEd25519Signature('hello', signer.sign('hello'), signer.publicKey)).toBe(true);
    }
  });

  it('derives the same key id from the same seed, so checkpoints stay verified across restarts', () => {
    expect(auditSignerFromEnv({ AUDIT_SIGNING_KEY: seed }, false, silent).keyId).toBe(
      auditSignerFromEnv({ AUDIT_SIGNING_KEY: seed }, false, silent).keyId,
    );
  });

  it('generates an ephemeral key outside production and says so', () => {
    const logger = { log: vi.fn(), warn: vi.fn() };
    const signer = auditSignerFromEnv({}, false, logger as never);
    expect(signer.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining(signer.keyId));
  });

  it.each([
    ['a missing key in production', {}, true],
    ['text that is no key', { AUDIT_SIGNING_KEY: 'not a key!' }, false],
    ['a seed of the wrong length', { AUDIT_SIGNING_KEY: Buffer.alloc(16).toString('base64') }, false],
    [
      'a key that is not Ed25519',
      {
        AUDIT_SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
      },
      false,
    ],
  ])('refuses to boot with %s, naming AUDIT_SIGNING_KEY without quoting it', (_name, env, production) => {
    const refusal = refusalOf(() => auditSignerFromEnv(env as Record<string, string>, production, silent));
    expect(refusal.variables).toEqual(['AUDIT_SIGNING_KEY']);
    expect(refusal.message).toMatch(/accepts an Ed25519 private key/);
    const raw = (env as Record<string, string>).AUDIT_SIGNING_KEY;
    if (raw) expect(refusal.message).not.toContain(raw.slice(0, 12));
  });

  it('reads AUDIT_CHECKPOINT_EVERY, 100 by default, and refuses anything but a positive integer', () => {
    expect(auditSettingsFromEnv({})).toEqual({ checkpointEvery: 100 });
    expect(auditSettingsFromEnv({ AUDIT_CHECKPOINT_EVERY: ' 5 ' })).toEqual({ checkpointEvery: 5 });
    for (const bad of ['0', '-3', '1.5', 'ten', '99999999'])
      expect(variablesOf(() => auditSettingsFromEnv({ AUDIT_CHECKPOINT_EVERY: bad }))).toEqual(['AUDIT_CHECKPOINT_EVERY']);
    expect(refusalOf(() => auditSettingsFromEnv({ AUDIT_CHECKPOINT_EVERY: 'ten' })).message).toMatch(
      /AUDIT_CHECKPOINT_EVERY: .*"ten".*accepts an integer from 1 to 1000000/,
    );
  });
});
