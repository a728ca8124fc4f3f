import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import { groupFromProto } from '../chat-rpc/mapping.js';
import type { ChatGroup } from '../model.js';

const PAGE_SIZE = 100;

/** Every group the user belongs to, with unread counts, read page by page from the Chat service. */
export async function listAllUserGroups(chat: ChatRpcClient, userId: string): Promise<ChatGroup[]> {
  const groups: ChatGroup[] = [];
  let afterGroupId = '';
  for (;;) {
    const page = await chat.listUserGroups({ userId, afterGroupId, limit: PAGE_SIZE });
    groups.push(...page.groups.map(groupFromProto));
    const last = page.groups.at(-1);
    if (!page.hasMore || !last) return groups;
    afterGroupId = last.id;
  }
}
