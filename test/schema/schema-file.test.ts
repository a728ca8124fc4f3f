import { readFileSync } from 'node:fs';
import { isInputObjectType, isObjectType, type GraphQLArgument, type GraphQLInputField } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printSortedSchema, schema } from '../../src/schema/index.js';

/** `name(arg: Type, …): Type` of a field, or `name: Type = default` of an input field, as in SDL. */
function signatureOf(typeName: string, fieldName: string): string {
  const type = schema.getType(typeName);
  const withDefault = (input: GraphQLArgument | GraphQLInputField) =>
    `${input.name}: ${String(input.type)}${input.defaultValue === undefined ? '' : ` = ${String(input.defaultValue)}`}`;
  if (isInputObjectType(type)) {
    const field = type.getFields()[fieldName];
    return field ? withDefault(field) : 'missing';
  }
  if (!isObjectType(type)) return 'missing';
  const field = type.getFields()[fieldName];
  if (!field) return 'missing';
  const args = [...field.args].sort((a, b) => a.name.localeCompare(b.name)).map(withDefault);
  return `${field.name}${args.length ? `(${args.join(', ')})` : ''}: ${String(field.type)}`;
}

describe('schema/schema.graphql', () => {
  it('is the schema the code builds (run `npm run generate:schema` after changing it)', () => {
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSortedSchema());
  });

  it.each([
    ['Query', 'me', 'me: User!'],
    ['Query', 'myGroups', 'myGroups: [Group!]!'],
    ['Query', 'messages', 'messages(before: String, groupId: ID!, last: Int): [Message!]!'],
    ['Query', 'onlineMembers', 'onlineMembers(groupId: ID!): [User!]!'],
    ['Mutation', 'createGroup', 'createGroup(name: String!): Group!'],
    ['Mutation', 'joinGroup', 'joinGroup(groupId: ID!): Group!'],
    ['Mutation', 'leaveGroup', 'leaveGroup(groupId: ID!): Boolean!'],
    ['Mutation', 'sendMessage', 'sendMessage(input: SendMessageInput!): SendMessagePayload!'],
    ['Mutation', 'markRead', 'markRead(groupId: ID!, messageId: ID!): Group!'],
    ['Subscription', 'newMessage', 'newMessage(after: String, groupId: ID): Message!'],
    ['Subscription', 'notification', 'notification: Notification!'],
    ['SendMessageInput', 'msgType', 'msgType: MessageType = TEXT'],
    ['Message', 'cursor', 'cursor: String!'],
    ['Message', 'createdAt', 'createdAt: DateTime!'],
    ['Group', 'unreadCount', 'unreadCount: Int!'],
    ['User', 'online', 'online: Boolean!'],
  ])('keeps the contract: %s.%s', (typeName, fieldName, signature) => {
    expect(signatureOf(typeName, fieldName)).toBe(signature);
  });
});
