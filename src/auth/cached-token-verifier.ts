import type { TokenVerifier } from './token-verifier.js';
import type { Viewer } from './viewer.js';

export interface CachedTokenVerifierOptions {
  /** Verified tokens remembered, the least recently used forgotten first; default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Remembers verified tokens until they expire. A client sends the same token with every request,
 * and a signature check per request (WebCrypto, asynchronous) costs more than the rest of a
 * sendMessage's own work. Only successes are kept: a refused token is checked again each time.
 */
export function createCachedTokenVerifier(inner: TokenVerifier, options: CachedTokenVerifierOptions = {}): TokenVerifier {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const verified = new Map<string, Viewer>();

  return {
    async verify(token) {
      const cached = verified.get(token);
      if (cached) {
        verified.delete(token);
        if (now() < cached.expiresAt) {
          verified.set(token, cached);
          return cached;
        }
      }
      const viewer = await inner.verify(token);
      verified.set(token, viewer);
      if (verified.size > maxEntries) verified.delete(verified.keys().next().value as string);
      return viewer;
    },
  };
}
