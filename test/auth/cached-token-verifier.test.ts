import { describe, expect, it } from 'vitest';
import { createCachedTokenVerifier } from '../../src/auth/cached-token-verifier.js';
import { InvalidTokenError, type TokenVerifier } from '../../src/auth/token-verifier.js';

function countingVerifier(expiresAt: number) {
  const calls: string[] = [];
  const verifier: TokenVerifier = {
    async verify(token) {
      calls.push(token);
      if (token.startsWith('bad')) throw new InvalidTokenError('bad signature');
      return { id: token, roles: [], expiresAt };
    },
  };
  return { verifier, calls };
}

describe('createCachedTokenVerifier', () => {
  it('verifies a token once until it expires', async () => {
    let time = 1000;
    const { verifier, calls } = countingVerifier(5000);
    const cached = createCachedTokenVerifier(verifier, { now: () => time });
    expect((await cached.verify('alice')).id).toBe('alice');
    await cached.verify('alice');
    expect(calls).toEqual(['alice']);
    time = 5000;
    await cached.verify('alice');
    expect(calls).toEqual(['alice', 'alice']);
  });

  it('never remembers a refusal', async () => {
    const { verifier, calls } = countingVerifier(Number.MAX_SAFE_INTEGER);
    const cached = createCachedTokenVerifier(verifier);
    await expect(cached.verify('bad-1')).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(cached.verify('bad-1')).rejects.toBeInstanceOf(InvalidTokenError);
    expect(calls).toEqual(['bad-1', 'bad-1']);
  });

  it('forgets the least recently used token past its bound', async () => {
    const { verifier, calls } = countingVerifier(Number.MAX_SAFE_INTEGER);
    const cached = createCachedTokenVerifier(verifier, { maxEntries: 2 });
    await cached.verify('a');
    await cached.verify('b');
    await cached.verify('a');
    await cached.verify('c');
    await cached.verify('a');
    await cached.verify('b');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });
});
