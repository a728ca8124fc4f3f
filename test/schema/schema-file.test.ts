import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSortedSchema } from '../../src/schema/index.js';

describe('schema/schema.graphql', () => {
  it('is the schema the code builds (run `npm run generate:schema` after changing it)', () => {
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSortedSchema());
  });

  it('keeps every name of the public contract', () => {
    const sdl = printSortedSchema();
    for (const signature of [
      'me: User!',
      'myGroups: [Group!]!',
      'messages(before: String, groupId: ID!, last: Int): [Message!]!',
      'onlineMembers(groupId: ID!): [User!]!',
      'createGroup(name: String!): Group!',
      'joinGroup(groupId: ID!): Group!',
      'leaveGroup(groupId: ID!): Boolean!',
      'sendMessage(input: SendMessageInput!): SendMessagePayload!',
      'markRead(groupId: ID!, messageId: ID!): Group!',
      'newMessage(after: String, groupId: ID): Message!',
      'notification: Notification!',
      'msgType: MessageType = TEXT',
      'cursor: String!',
      'unreadCount: Int!',
      'online: Boolean!',
    ]) {
      expect(sdl).toContain(signature);
    }
  });
});
