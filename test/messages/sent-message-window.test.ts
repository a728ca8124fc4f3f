import { describe, expect, it } from 'vitest';
import type { MessageDraft } from '../../src/messages/message-log.js';
import { SentMessageWindow, sentMessageKey } from '../../src/messages/sent-message-window.js';
import type { ChatMessage } from '../../src/model.js';

const draft = (clientMessageId: string | null, senderId = 'alice', groupId = 'g1'): MessageDraft => ({
  id: `id-${Math.random()}`,
  groupId,
  sender: { id: senderId, name: senderId },
  msgType: 'TEXT',
  content: 'hi',
  imageUrl: null,
  clientMessageId,
  createdAt: 1,
});

/** A window on a clock the test moves, and a commit that counts its calls. */
function setup(windowMs = 1000, maxEntries?: number) {
  let now = 0;
  let seq = 0;
  const window = new SentMessageWindow({ windowMs, maxEntries, now: () => now });
  const send = (d: MessageDraft) => window.once(d, async (): Promise<ChatMessage> => ({ ...d, seq: ++seq }));
  return { window, send, advance: (ms: number) => (now += ms), commits: () => seq };
}

describe('the window of sent clientMessageIds', () => {
  it('answers a repeat with the first message, waiting for it while it is under way', async () => {
    const { send, commits } = setup();
    const [first, repeat] = await Promise.all([send(draft('c1')), send(draft('c1'))]);
    expect(repeat).toBe(first);
    expect(await send(draft('c1'))).toBe(first);
    expect(commits()).toBe(1);
  });

  it('keeps senders and groups apart, and commits every send without a clientMessageId', async () => {
    const { send, commits } = setup();
    await send(draft('c1', 'alice'));
    await send(draft('c1', 'bob'));
    await send(draft('c1', 'alice', 'g2'));
    await send(draft(null));
    await send(draft(null));
    expect(commits()).toBe(5);
  });

  it('forgets a failed commit, so sending again retries it', async () => {
    const { window, send } = setup();
    await expect(window.once(draft('c1'), () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect((await send(draft('c1'))).seq).toBe(1);
  });

  it('commits a repeat again once the window has passed', async () => {
    const { send, advance, commits } = setup(1000);
    await send(draft('c1'));
    advance(999);
    await send(draft('c1'));
    expect(commits()).toBe(1);
    advance(1);
    await send(draft('c1'));
    expect(commits()).toBe(2);
  });

  it('remembers nothing with a window of 0, and at most its bound otherwise', async () => {
    const off = setup(0);
    await off.send(draft('c1'));
    await off.send(draft('c1'));
    expect(off.commits()).toBe(2);

    const bounded = setup(1000, 2);
    for (const id of ['a', 'b', 'c']) await bounded.send(draft(id));
    await bounded.send(draft('a'));
    await bounded.send(draft('c'));
    expect(bounded.commits()).toBe(4);
  });

  it('keys cannot meet whatever the ids hold', () => {
    expect(sentMessageKey('a:b', 'g', 'c')).not.toBe(sentMessageKey('a', 'b:g', 'c'));
    expect(sentMessageKey('a', 'g:c', 'd')).not.toBe(sentMessageKey('a', 'g', 'c:d'));
  });
});
