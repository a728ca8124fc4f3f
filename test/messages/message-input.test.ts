import { describe, expect, it } from 'vitest';
import { validateMessageInput } from '../../src/messages/message-input.js';

describe('validateMessageInput', () => {
  it('defaults to TEXT and keeps what it is given', () => {
    expect(validateMessageInput({ groupId: 'g', content: 'hi', clientMessageId: 'c1' })).toEqual({
      groupId: 'g',
      msgType: 'TEXT',
      content: 'hi',
      imageUrl: null,
      clientMessageId: 'c1',
    });
  });

  it('counts characters, not UTF-16 units, against the 4,000 limit', () => {
    expect(validateMessageInput({ groupId: 'g', content: '😀'.repeat(4000) }).content).toHaveLength(8000);
    expect(() => validateMessageInput({ groupId: 'g', content: '😀'.repeat(4001) })).toThrow(/at most 4000/);
  });

  it('accepts an image with an http(s) URL and an optional caption', () => {
    expect(validateMessageInput({ groupId: 'g', msgType: 'IMAGE', imageUrl: ' https://cdn.example.edu/a.png ' })).toMatchObject({
      msgType: 'IMAGE',
      imageUrl: 'https://cdn.example.edu/a.png',
      content: null,
    });
  });

  it.each([
    [{ groupId: ' ', content: 'x' }, 'groupId'],
    [{ groupId: 'g', content: '' }, 'content'],
    [{ groupId: 'g', msgType: 'IMAGE' as const, imageUrl: 'data:image/png;base64,AAAA' }, 'imageUrl'],
    [{ groupId: 'g', msgType: 'IMAGE' as const, imageUrl: 'https://' }, 'imageUrl'],
    [{ groupId: 'g', content: 'x', clientMessageId: '' }, 'clientMessageId'],
    [{ groupId: 'g', content: 'x', clientMessageId: 'x'.repeat(129) }, 'clientMessageId'],
  ])('refuses %j naming %s', (input, field) => {
    expect(() => validateMessageInput(input)).toThrowError(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }) }));
  });
});
