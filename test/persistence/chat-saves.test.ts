import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { ChatRpcClient } from '../../src/chat-rpc/chat-client.js';
import { toApiError } from '../../src/chat-rpc/error-mapping.js';
import type { ChatMessage } from '../../src/model.js';
import { chatSaves } from '../../src/persistence/chat-saves.js';

const message = (seq: number): ChatMessage => ({
  id: `m${seq}`,
  groupId: 'g1',
  seq,
  sender: { id: 'alice' },
  msgType: 'TEXT',
  content: `message ${seq}`,
  imageUrl: null,
  clientMessageId: null,
  createdAt: 1_700_000_000_000 + seq,
});

/** What the Chat RPC client throws for a gRPC status, as it maps it. */
function rpcFailure(code: status, method: string): Error {
  return toApiError(Object.assign(new Error(`${code} ${status[code]}`), { code, details: status[code], metadata: undefined }), method);
}

/** A client over a Chat service that may not implement SaveMessages; records what it was asked. */
function fakeChat(options: { batches: boolean; failBatch?: status }) {
  const single: string[] = [];
  const batches: string[][] = [];
  const chat: Pick<ChatRpcClient, 'saveMessage' | 'saveMessages'> = {
    async saveMessage({ message: saved }) {
      single.push(saved.id);
      return { created: true };
    },
    async saveMessages({ messages }) {
      if (!options.batches) throw rpcFailure(status.UNIMPLEMENTED, 'SaveMessages');
      if (options.failBatch !== undefined) throw rpcFailure(options.failBatch, 'SaveMessages');
      batches.push(messages.map((saved) => saved.id));
      return { created: messages.map(() => true) };
    },
  };
  return { chat, single, batches };
}

describe('chatSaves', () => {
  it('stores a batch with one SaveMessages call, converted to the Chat service message', async () => {
    const { chat, single, batches } = fakeChat({ batches: true });
    await chatSaves(chat).saveBatch([message(1), message(2)]);
    expect(batches).toEqual([['m1', 'm2']]);
    expect(single).toEqual([]);
  });

  it('falls back to SaveMessage per message, for good, on a Chat service without SaveMessages', async () => {
    const { chat, single } = fakeChat({ batches: false });
    let asked = 0;
    const counting = { ...chat, saveMessages: (request: Parameters<typeof chat.saveMessages>[0]) => (asked++, chat.saveMessages(request)) };
    const saves = chatSaves(counting);
    await saves.saveBatch([message(1), message(2)]);
    await saves.saveBatch([message(3)]);
    expect(single).toEqual(['m1', 'm2', 'm3']);
    expect(asked).toBe(1);
  });

  it('passes any other failure on, for the worker to judge', async () => {
    const unavailable = fakeChat({ batches: true, failBatch: status.UNAVAILABLE });
    await expect(chatSaves(unavailable.chat).saveBatch([message(1), message(2)])).rejects.toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
    const refused = fakeChat({ batches: true, failBatch: status.ALREADY_EXISTS });
    await expect(chatSaves(refused.chat).saveBatch([message(1), message(2)])).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect([...unavailable.single, ...refused.single]).toEqual([]);
  });
});
