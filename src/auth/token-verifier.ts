import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config.js';
import type { Viewer } from './viewer.js';

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`Invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

export interface TokenVerifier {
  /** Resolves the token's viewer, or rejects with an InvalidTokenError that says why. */
  verify(token: string): Promise<Viewer>;
}

/** Longest user id accepted from `sub`: ids travel in channel names and keys. */
const MAX_SUBJECT_LENGTH = 128;

/**
 * Verifies JWTs with an explicit algorithm allow-list (never `none`), a required `exp`, and either
 * an HS256 secret or a remote JWKS (fetched and cached by jose, refreshed on unknown `kid`).
 */
export function createTokenVerifier(auth: Config['auth']): TokenVerifier {
  const key: JWTVerifyGetKey = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : hmacKeys(new TextEncoder().encode(auth.jwtSecret));
  const options = {
    algorithms: auth.algorithms,
    issuer: auth.issuer,
    audience: auth.audience,
    requiredClaims: ['sub', 'exp'],
    clockTolerance: 5,
  };

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, options));
      } catch (error) {
        throw new InvalidTokenError(describeJoseError(error));
      }
      return viewerFrom(payload);
    },
  };
}

const HMAC_HASHES: Record<string, string> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' };

/**
 * The shared secret as a WebCrypto key per HMAC algorithm, imported once: handed the raw bytes,
 * jose would import them again for every token. jose has checked `alg` against the allow-list
 * before it asks for the key.
 */
function hmacKeys(secret: Uint8Array<ArrayBuffer>): JWTVerifyGetKey {
  const keys = new Map<string, Promise<CryptoKey>>();
  return ({ alg }) => {
    const hash = HMAC_HASHES[alg];
    if (!hash) throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed for a shared secret`);
    let key = keys.get(alg);
    if (!key) keys.set(alg, (key = crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash }, false, ['verify'])));
    return key;
  };
}

function viewerFrom(payload: JWTPayload): Viewer {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH || /[\s:]/.test(sub)) {
    throw new InvalidTokenError('sub must be a non-empty id without spaces or colons');
  }
  const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim() : undefined;
  return { id: sub, name, roles: rolesFrom(payload.roles), expiresAt: (payload.exp as number) * 1000 };
}

function rolesFrom(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((role): role is string => typeof role === 'string');
  if (typeof claim === 'string') return claim.split(' ').filter(Boolean);
  return [];
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}`;
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no matching key';
  if (error instanceof errors.JOSEError) return error.code;
  return 'unverifiable';
}
