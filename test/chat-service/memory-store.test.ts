import { describe, expect, it } from 'vitest';
import { MessageType } from '../../src/chat-rpc/generated/chat.js';
import { createMemoryChatStore } from '../../src/chat-service/memory-store.js';
import { describeChatStore } from './chat-store-contract.js';

describeChatStore('memory', createMemoryChatStore);

describe('createMemoryChatStore', () => {
  it('hands out copies, so callers cannot change what is stored', async () => {
    const store = createMemoryChatStore();
    const group = await store.createGroup({ name: 'Chess club', creatorId: 'alice' });
    group.name = 'changed';
    const message = {
      id: 'm1',
      groupId: group.id,
      seq: 1,
      senderId: 'alice',
      msgType: MessageType.MESSAGE_TYPE_TEXT,
      content: 'hello',
      imageUrl: '',
      clientMessageId: '',
      createdAtMs: 1,
    };
    await store.saveMessage(message);
    message.content = 'changed';
    const [listed] = await store.listMessages(group.id);
    listed!.content = 'changed too';

    expect((await store.getGroup(group.id)).name).toBe('Chess club');
    expect((await store.getMessage('m1')).content).toBe('hello');
  });
});
