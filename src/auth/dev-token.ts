import { SignJWT } from 'jose';

export interface DevTokenOptions {
  userId: string;
  name?: string;
  roles?: string[];
  secret: string;
  /** Lifetime in seconds, default 24 hours. */
  expiresInSeconds?: number;
}

/** Signs an HS256 token for development and tests. */
export async function signDevToken(options: DevTokenOptions): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (options.name) claims.name = options.name;
  if (options.roles?.length) claims.roles = options.roles;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 24 * 3600))
    .sign(new TextEncoder().encode(options.secret));
}
