import { describe, expect, it } from 'vitest';
import { ChatCloseCode } from '../../client/close-codes.js';
import { createReconnectPolicy } from '../../client/reconnect-policy.js';

const closed = (code: number, reason = '') => ({ code, reason });

describe('createReconnectPolicy', () => {
  it('reconnects after a dropped network, a server going away, and a socket closed for falling behind', () => {
    const policy = createReconnectPolicy();
    expect(policy.shouldRetry({ type: 'error' })).toBe(true);
    expect(policy.shouldRetry(closed(1001, 'Server shutting down'))).toBe(true);
    expect(policy.shouldRetry(closed(ChatCloseCode.FellBehind, 'Fell behind: resubscribe with after'))).toBe(true);
  });

  it('does not reconnect after a replaced session, nor after a refused token it cannot refresh', () => {
    const policy = createReconnectPolicy();
    expect(policy.shouldRetry(closed(ChatCloseCode.SessionReplaced))).toBe(false);
    expect(policy.shouldRetry(closed(ChatCloseCode.Forbidden))).toBe(false);
  });

  it('retries a refused token once when the token can be refreshed', () => {
    const policy = createReconnectPolicy({ canRefreshToken: true });
    expect(policy.shouldRetry(closed(ChatCloseCode.Forbidden))).toBe(true);
    expect(policy.shouldRetry(closed(ChatCloseCode.Forbidden))).toBe(false);
  });
});
