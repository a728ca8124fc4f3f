import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { tokenFromAuthorization, tokenFromConnectionParams } from '../../src/auth/extract-token.js';
import { createTokenVerifier, InvalidTokenError } from '../../src/auth/token-verifier.js';
import { signDevToken } from '../../src/auth/dev-token.js';
import { loadConfig } from '../../src/config.js';

describe('token extraction', () => {
  it('reads bearer tokens from a header value and from connection params', () => {
    expect(tokenFromAuthorization('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(tokenFromAuthorization('bearer   abc ')).toBe('abc');
    expect(tokenFromAuthorization('Basic abc')).toBeUndefined();
    expect(tokenFromAuthorization(undefined)).toBeUndefined();
    expect(tokenFromConnectionParams({ authorization: 'Bearer t1' })).toBe('t1');
    expect(tokenFromConnectionParams({ Authorization: 'Bearer t2' })).toBe('t2');
    expect(tokenFromConnectionParams({ authorization: 't3' })).toBeUndefined();
    expect(tokenFromConnectionParams(null)).toBeUndefined();
  });
});

describe('token verification', () => {
  const secret = 'a-secret-that-is-long-enough-for-hs256-0123456789';
  const verifier = createTokenVerifier(loadConfig({ JWT_SECRET: secret }).auth);

  it('makes a viewer of sub, name, roles and exp', async () => {
    const token = await signDevToken({ userId: 'alice', name: 'Alice', roles: ['admin'], secret, expiresInSeconds: 60 });
    const viewer = await verifier.verify(token);
    expect(viewer).toMatchObject({ id: 'alice', name: 'Alice', roles: ['admin'] });
    expect(viewer.expiresAt).toBeGreaterThan(Date.now());
  });

  it('refuses a sub that cannot be a user id', async () => {
    const token = await signDevToken({ userId: 'alice:admin', secret });
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('says why a token is refused', async () => {
    const other = await signDevToken({ userId: 'alice', secret: `${secret}-other` });
    await expect(verifier.verify(other)).rejects.toThrow('bad signature');
    const expired = await signDevToken({ userId: 'alice', secret, expiresInSeconds: -60 });
    await expect(verifier.verify(expired)).rejects.toThrow('expired');
  });

  it('verifies each allowed HMAC algorithm with the one secret, again and again', async () => {
    const both = createTokenVerifier(loadConfig({ JWT_SECRET: secret, JWT_ALGORITHMS: 'HS256,HS512' }).auth);
    const signed = (alg: string, sub: string) =>
      new SignJWT({}).setProtectedHeader({ alg }).setSubject(sub).setExpirationTime('1m').sign(new TextEncoder().encode(secret));
    for (const round of [1, 2]) {
      await expect(both.verify(await signed('HS256', `a${round}`))).resolves.toMatchObject({ id: `a${round}` });
      await expect(both.verify(await signed('HS512', `b${round}`))).resolves.toMatchObject({ id: `b${round}` });
    }
    await expect(both.verify(await signed('HS384', 'c'))).rejects.toThrow('algorithm not allowed');
    await expect(verifier.verify(await signed('HS512', 'd'))).rejects.toThrow('algorithm not allowed');
    const withRsa = createTokenVerifier(loadConfig({ JWT_SECRET: secret, JWT_ALGORITHMS: 'HS256,RS256' }).auth);
    const forged = `${btoa(JSON.stringify({ alg: 'RS256' })).replace(/=+$/, '')}.${(await signed('HS256', 'e')).split('.').slice(1).join('.')}`;
    await expect(withRsa.verify(forged)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});
