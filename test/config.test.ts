import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_JWT_SECRET, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('runs on its defaults outside production, with the development secret', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, redisPrefix: 'campushub', graphiql: true });
    expect(config.auth).toMatchObject({ jwtSecret: DEV_JWT_SECRET, usingDevSecret: true, algorithms: ['HS256'] });
    expect(config.realtime.singleSession).toBe(false);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ NODE_ENV: 'production', PORT: '70000', SINGLE_SESSION: 'maybe', CHAT_GRPC_URL: 'http://chat', JWT_ALGORITHMS: 'none' });
      expect.fail('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const variable of ['JWT_SECRET or JWKS_URL', 'PORT', 'SINGLE_SESSION', 'CHAT_GRPC_URL', 'JWT_ALGORITHMS']) {
        expect(problems).toContain(variable);
      }
    }
  });

  it('refuses the development secret and short secrets in production, and hides GraphiQL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET })).toThrow(/development secret/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/32 bytes/);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(config.graphiql).toBe(false);
  });

  it('asks no JWT secret in production of processes that verify no token', () => {
    const config = loadConfig({ NODE_ENV: 'production' }, { verifiesTokens: false });
    expect(config.auth).toMatchObject({ jwtSecret: undefined, usingDevSecret: false });
    expect(() => loadConfig({ NODE_ENV: 'production', PORT: 'x' }, { verifiesTokens: false })).toThrow(/PORT/);
  });

  it('defaults to asymmetric algorithms with a JWKS', () => {
    const config = loadConfig({ JWKS_URL: 'https://id.example.edu/.well-known/jwks.json' });
    expect(config.auth.algorithms).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(config.auth.jwtSecret).toBeUndefined();
  });

  it('compacts the heap after 64 MB of growth by default, after HEAP_COMPACTION_MB otherwise, and never with 0', () => {
    expect(loadConfig({}).heapCompactionBytes).toBe(64 * 2 ** 20);
    expect(loadConfig({ HEAP_COMPACTION_MB: '256' }).heapCompactionBytes).toBe(256 * 2 ** 20);
    expect(loadConfig({ HEAP_COMPACTION_MB: '0' }).heapCompactionBytes).toBe(0);
    expect(() => loadConfig({ HEAP_COMPACTION_MB: '-1' })).toThrow(/HEAP_COMPACTION_MB/);
  });
});
