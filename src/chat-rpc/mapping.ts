import type { ChatGroup, ChatMessage, MessageKind } from '../model.js';
import { MessageType, type Group, type Message } from './generated/chat.js';

const kindToProto: Record<MessageKind, MessageType> = {
  TEXT: MessageType.MESSAGE_TYPE_TEXT,
  IMAGE: MessageType.MESSAGE_TYPE_IMAGE,
};

export function messageToProto(message: ChatMessage): Message {
  return {
    id: message.id,
    groupId: message.groupId,
    seq: message.seq,
    senderId: message.sender.id,
    msgType: kindToProto[message.msgType],
    content: message.content ?? '',
    imageUrl: message.imageUrl ?? '',
    clientMessageId: message.clientMessageId ?? '',
    createdAtMs: message.createdAt,
  };
}

export function messageFromProto(message: Message): ChatMessage {
  return {
    id: message.id,
    groupId: message.groupId,
    seq: message.seq,
    sender: { id: message.senderId },
    msgType: message.msgType === MessageType.MESSAGE_TYPE_IMAGE ? 'IMAGE' : 'TEXT',
    content: message.content || null,
    imageUrl: message.imageUrl || null,
    clientMessageId: message.clientMessageId || null,
    createdAt: message.createdAtMs,
  };
}

export function groupFromProto(group: Group): ChatGroup {
  return { id: group.id, name: group.name, unreadCount: group.unreadCount ?? undefined };
}
