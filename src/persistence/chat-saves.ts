import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import { isUnimplemented } from '../chat-rpc/error-mapping.js';
import { messageToProto } from '../chat-rpc/mapping.js';
import type { SaveMessage, SaveMessages } from './persistence-queue.js';

/**
 * How the persistence worker stores messages in the Chat service: one SaveMessage per message, and
 * SaveMessages for what it reads at once. A Chat service that does not implement SaveMessages
 * (UNIMPLEMENTED) is asked once; from then on each message goes through SaveMessage.
 */
export function chatSaves(chat: Pick<ChatRpcClient, 'saveMessage' | 'saveMessages'>): { save: SaveMessage; saveBatch: SaveMessages } {
  let batchesImplemented = true;
  const save: SaveMessage = async (message) => {
    await chat.saveMessage({ message: messageToProto(message) });
  };
  return {
    save,
    async saveBatch(messages) {
      if (batchesImplemented) {
        try {
          await chat.saveMessages({ messages: messages.map(messageToProto) });
          return;
        } catch (error) {
          if (!isUnimplemented(error)) throw error;
          batchesImplemented = false;
        }
      }
      await Promise.all(messages.map(save));
    },
  };
}
