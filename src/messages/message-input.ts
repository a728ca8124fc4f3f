import { badUserInput } from '../errors.js';
import type { MessageKind } from '../model.js';

export const MAX_CONTENT_LENGTH = 4000;
export const MAX_IMAGE_URL_LENGTH = 2048;
export const MAX_CLIENT_MESSAGE_ID_LENGTH = 128;

export interface SendMessageInput {
  groupId: string;
  msgType?: MessageKind | null;
  content?: string | null;
  imageUrl?: string | null;
  clientMessageId?: string | null;
}

export interface ValidMessageInput {
  groupId: string;
  msgType: MessageKind;
  content: string | null;
  imageUrl: string | null;
  clientMessageId: string | null;
}

/** Checks a message as the client sent it; every problem is a BAD_USER_INPUT naming its field. */
export function validateMessageInput(input: SendMessageInput): ValidMessageInput {
  const msgType = input.msgType ?? 'TEXT';
  const content = input.content ?? null;
  const imageUrl = input.imageUrl?.trim() || null;
  const clientMessageId = input.clientMessageId ?? null;

  if (!input.groupId.trim()) throw badUserInput('groupId must not be empty.', 'groupId');
  if (content !== null && [...content].length > MAX_CONTENT_LENGTH) {
    throw badUserInput(`content must be at most ${MAX_CONTENT_LENGTH} characters.`, 'content');
  }
  if (msgType === 'TEXT' && (content === null || content.trim() === '')) {
    throw badUserInput('A TEXT message needs non-empty content.', 'content');
  }
  if (msgType === 'IMAGE') {
    if (imageUrl === null) throw badUserInput('An IMAGE message needs an imageUrl.', 'imageUrl');
    if (imageUrl.length > MAX_IMAGE_URL_LENGTH || !isHttpUrl(imageUrl)) {
      throw badUserInput('imageUrl must be an http(s) URL.', 'imageUrl');
    }
  } else if (imageUrl !== null) {
    throw badUserInput('imageUrl is only for IMAGE messages.', 'imageUrl');
  }
  if (clientMessageId !== null && (clientMessageId.length === 0 || clientMessageId.length > MAX_CLIENT_MESSAGE_ID_LENGTH)) {
    throw badUserInput(`clientMessageId must be 1 to ${MAX_CLIENT_MESSAGE_ID_LENGTH} characters.`, 'clientMessageId');
  }
  return { groupId: input.groupId, msgType, content, imageUrl, clientMessageId };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}
