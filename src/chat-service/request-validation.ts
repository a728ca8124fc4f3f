import { MessageType, type MembershipRequest, type Message } from '../chat-rpc/generated/chat.js';
import { ChatStoreError, type MembershipQuery } from './store.js';

/**
 * Checks of what arrives over the wire, before it reaches a store. proto3 cannot mark a field
 * required, so an absent id arrives as '' and must be refused here. Each check throws an
 * invalid-argument `ChatStoreError` (mapped to INVALID_ARGUMENT) naming the field.
 */

/** Longer ids are not ids: refusing them keeps a store's keys and indexes bounded. */
export const MAX_ID_LENGTH = 256;
/** Group and user names, in characters (code points), after trimming. */
export const MAX_NAME_LENGTH = 100;
/** Ids per GetUsers request; a page of members or senders is far below this. */
export const MAX_IDS_PER_REQUEST = 1000;

const invalid = (message: string) => new ChatStoreError('invalid-argument', message);

export function requireId(value: string, field: string): string {
  if (value.trim() === '') throw invalid(`${field} is required.`);
  if (value.length > MAX_ID_LENGTH) throw invalid(`${field} must be at most ${MAX_ID_LENGTH} characters.`);
  return value;
}

/** An id the request may leave empty; answers undefined for empty. */
export function optionalId(value: string, field: string): string | undefined {
  return value === '' ? undefined : requireId(value, field);
}

/** Answers the trimmed name, or undefined for an empty one when `required` is false. */
export function checkName(value: string, field: string, required: true): string;
export function checkName(value: string, field: string, required: false): string | undefined;
export function checkName(value: string, field: string, required: boolean): string | undefined {
  const name = value.trim();
  if (name === '') {
    if (required) throw invalid(`${field} must not be empty.`);
    return undefined;
  }
  if ([...name].length > MAX_NAME_LENGTH) {
    throw invalid(`${field} must be at most ${MAX_NAME_LENGTH} characters.`);
  }
  return name;
}

export function checkIds(values: readonly string[], field: string): readonly string[] {
  if (values.length > MAX_IDS_PER_REQUEST) {
    throw invalid(`${field} must hold at most ${MAX_IDS_PER_REQUEST} ids.`);
  }
  values.forEach((value, index) => requireId(value, `${field}[${index}]`));
  return values;
}

export function checkMembershipChecks(checks: readonly MembershipRequest[], field: string): MembershipQuery[] {
  if (checks.length > MAX_IDS_PER_REQUEST) throw invalid(`${field} must hold at most ${MAX_IDS_PER_REQUEST} checks.`);
  return checks.map((check, index) => ({
    groupId: requireId(check.groupId, `${field}[${index}].group_id`),
    userId: requireId(check.userId, `${field}[${index}].user_id`),
  }));
}

/** Page sizes: 0 picks the store's default, so only negatives are wrong. */
export function checkLimit(value: number, field = 'limit'): number {
  if (!Number.isInteger(value) || value < 0) throw invalid(`${field} must not be negative.`);
  return value;
}

export function checkSeq(value: number, field: string, allowZero: boolean): number {
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw invalid(`${field} must be ${allowZero ? 'a non-negative' : 'a positive'} integer.`);
  }
  return value;
}

export function checkMessage(message: Message | undefined): Message {
  if (!message) throw invalid('message is required.');
  requireId(message.id, 'message.id');
  requireId(message.groupId, 'message.group_id');
  requireId(message.senderId, 'message.sender_id');
  checkSeq(message.seq, 'message.seq', false);
  if (message.msgType !== MessageType.MESSAGE_TYPE_TEXT && message.msgType !== MessageType.MESSAGE_TYPE_IMAGE) {
    throw invalid('message.msg_type must be TEXT or IMAGE.');
  }
  if (message.clientMessageId.length > MAX_ID_LENGTH) {
    throw invalid(`message.client_message_id must be at most ${MAX_ID_LENGTH} characters.`);
  }
  if (!Number.isSafeInteger(message.createdAtMs) || message.createdAtMs < 0) {
    throw invalid('message.created_at_ms must not be negative.');
  }
  return message;
}
