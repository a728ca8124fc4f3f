import { describe, expect, it } from 'vitest';
import { messageToProto } from '../../src/chat-rpc/mapping.js';
import { createMessageCatchUp } from '../../src/messages/message-catch-up.js';
import { createMemoryMessageLog } from '../../src/messages/memory-message-log.js';
import type { MessageLog } from '../../src/messages/message-log.js';
import type { ChatMessage } from '../../src/model.js';

/** A group of `total` messages: the log keeps the last `kept`, the Chat service has stored the first `stored`. */
async function group(options: { total: number; kept: number; stored: number; createdAt?: (seq: number) => number }) {
  const messageLog: MessageLog = createMemoryMessageLog({ lastStoredSeq: async () => 0, maxPerGroup: options.kept });
  const all: ChatMessage[] = [];
  for (let i = 1; i <= options.total; i++) {
    all.push(
      await messageLog.append({
        id: `m${i}`,
        groupId: 'g',
        sender: { id: 'alice' },
        msgType: 'TEXT',
        content: `m${i}`,
        imageUrl: null,
        clientMessageId: null,
        createdAt: options.createdAt?.(i) ?? 1000 + i,
      }),
    );
  }
  const storage = all.slice(0, options.stored);
  const calls: unknown[] = [];
  const chat = {
    // The Chat service's paging: forwards from afterSeq, else the last `limit` below beforeSeq (0: the latest).
    async listMessages(request: { groupId: string; afterSeq?: number; beforeSeq?: number; limit?: number }) {
      calls.push(request);
      const limit = request.limit ?? 50;
      const below = request.beforeSeq ? storage.filter((m) => m.seq < request.beforeSeq!) : storage;
      const messages = request.afterSeq ? below.filter((m) => m.seq > request.afterSeq!).slice(0, limit) : below.slice(-limit);
      return { messages: messages.map(messageToProto) };
    },
  };
  return { messageLog, chat, all, calls };
}

const seqs = (messages: ChatMessage[]) => messages.map((message) => message.seq);

describe('catching up after a position', () => {
  it('serves from the log alone when it holds everything', async () => {
    const { messageLog, chat, calls } = await group({ total: 10, kept: 5, stored: 0 });
    const catchUp = createMessageCatchUp({ messageLog, chat });
    expect(seqs(await catchUp.afterSeq('g', 6))).toEqual([7, 8, 9, 10]);
    expect(seqs(await catchUp.afterSeq('g', 10))).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('fills what the log trimmed from the Chat service, page by page', async () => {
    const { messageLog, chat, all, calls } = await group({ total: 30, kept: 5, stored: 28 });
    const catchUp = createMessageCatchUp({ messageLog, chat, pageSize: 4 });
    const missed = await catchUp.afterSeq('g', 3);
    expect(seqs(missed)).toEqual(all.slice(3).map((m) => m.seq));
    expect(missed.at(-1)).toEqual(all.at(-1));
    expect(calls.length).toBeGreaterThan(1);
  });

  it('fails with RESYNC_REQUIRED when neither the log nor the storage has a message', async () => {
    const { messageLog, chat } = await group({ total: 30, kept: 5, stored: 10 });
    const catchUp = createMessageCatchUp({ messageLog, chat });
    await expect(catchUp.afterSeq('g', 3)).rejects.toMatchObject({ extensions: { code: 'RESYNC_REQUIRED', reason: 'HISTORY_GAP' } });
  });

  it('fails with RESYNC_REQUIRED when more was missed than it replays', async () => {
    const { messageLog, chat } = await group({ total: 30, kept: 30, stored: 0 });
    const catchUp = createMessageCatchUp({ messageLog, chat, maxReplay: 10 });
    expect(seqs(await catchUp.afterSeq('g', 20))).toHaveLength(10);
    await expect(catchUp.afterSeq('g', 19)).rejects.toMatchObject({ extensions: { code: 'RESYNC_REQUIRED', reason: 'TOO_FAR_BEHIND' } });
  });
});

describe('catching up since a time', () => {
  it('includes messages of the very millisecond, from the log', async () => {
    const { messageLog, chat, calls } = await group({ total: 10, kept: 10, stored: 0, createdAt: (seq) => 1000 + Math.floor(seq / 2) });
    const catchUp = createMessageCatchUp({ messageLog, chat });
    // seq 6 and 7 were both created at 1003.
    expect(seqs(await catchUp.since('g', 1003))).toEqual([6, 7, 8, 9, 10]);
    expect(calls).toEqual([]);
  });

  it('looks in the Chat service when the log was trimmed after the time', async () => {
    const { messageLog, chat } = await group({ total: 20, kept: 4, stored: 20 });
    const catchUp = createMessageCatchUp({ messageLog, chat, pageSize: 3 });
    expect(seqs(await catchUp.since('g', 1000 + 9))).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('fails with RESYNC_REQUIRED when the trimmed messages are not stored yet', async () => {
    const { messageLog, chat } = await group({ total: 20, kept: 4, stored: 10 });
    const catchUp = createMessageCatchUp({ messageLog, chat });
    await expect(catchUp.since('g', 1000 + 9)).rejects.toMatchObject({ extensions: { code: 'RESYNC_REQUIRED' } });
  });
});
