import { describe, expect, it } from 'vitest';
import { positionInChannel, positionInChannelJson } from '../../src/realtime/topics.js';

describe('positions in a channel', () => {
  it('are the seqs of group messages, and nothing for other events', () => {
    expect(positionInChannel({ kind: 'message', message: { seq: 12 } })).toBe(12);
    expect(positionInChannel({ kind: 'message', message: { seq: '12' } })).toBeUndefined();
    expect(positionInChannel({ kind: 'notification', notification: {} })).toBeUndefined();
    expect(positionInChannel(null)).toBeUndefined();
    expect(positionInChannel('text')).toBeUndefined();
  });

  it('are read from the JSON bytes only when they begin as the append script writes them', () => {
    const json = (text: string) => Buffer.from(text);
    expect(positionInChannelJson(json('{"kind":"message","message":{"seq":9007,"id":"m"}}'))).toBe(9007);
    expect(positionInChannelJson(json('{"kind":"message","message":{"seq":0,"id":"m"}}'))).toBe(0);
    expect(positionInChannelJson(json('{"kind":"message","message":{"id":"m","seq":4}}'))).toBeUndefined();
    expect(positionInChannelJson(json('{"kind":"message","message":{"seq":,"id":"m"}}'))).toBeUndefined();
    expect(positionInChannelJson(json('{"kind":"message","message":{"seq":12'))).toBeUndefined();
    expect(positionInChannelJson(json('{"kind":"message","message":{"seq":1.5,"id":"m"}}'))).toBeUndefined();
    expect(positionInChannelJson(json('{"kind":"message","message":{"seq":99999999999999999999,"id":"m"}}'))).toBeUndefined();
    expect(positionInChannelJson(json('{ "kind": "message", "message": { "seq": 3 } }'))).toBeUndefined();
    expect(positionInChannelJson(json('{"kind":"notification"}'))).toBeUndefined();
    expect(positionInChannelJson(json(''))).toBeUndefined();
  });
});
