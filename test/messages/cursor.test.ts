import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/messages/cursor.js';

describe('message cursors', () => {
  it('round-trips a position and is opaque', () => {
    const position = { groupId: '8c1f-group', seq: 42, createdAt: 1_795_450_000_123 };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('42');
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it.each(['', 'garbage', Buffer.from('m2:g:1:2').toString('base64url'), Buffer.from('m1:g:-1:2').toString('base64url'), Buffer.from('m1::1:2').toString('base64url'), Buffer.from('m1:g:1.5:2').toString('base64url')])(
    'refuses %j as BAD_USER_INPUT naming the argument',
    (cursor) => {
      expect(() => decodeCursor(cursor, 'before')).toThrowError(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'before' }) }));
    },
  );
});
