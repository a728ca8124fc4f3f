/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment GroupFields on Group {\n  id\n  name\n  unreadCount\n}\n\nquery MyGroups {\n  myGroups {\n    ...GroupFields\n  }\n}\n\nmutation CreateGroup($name: String!) {\n  createGroup(name: $name) {\n    ...GroupFields\n  }\n}\n\nmutation JoinGroup($groupId: ID!) {\n  joinGroup(groupId: $groupId) {\n    ...GroupFields\n  }\n}\n\nmutation LeaveGroup($groupId: ID!) {\n  leaveGroup(groupId: $groupId)\n}\n\nmutation MarkRead($groupId: ID!, $messageId: ID!) {\n  markRead(groupId: $groupId, messageId: $messageId) {\n    ...GroupFields\n  }\n}": typeof types.GroupFieldsFragmentDoc,
    "fragment MessageFields on Message {\n  id\n  groupId\n  cursor\n  sender {\n    id\n    name\n  }\n  msgType\n  content\n  imageUrl\n  clientMessageId\n  createdAt\n}\n\nquery Messages($groupId: ID!, $before: String, $last: Int) {\n  messages(groupId: $groupId, before: $before, last: $last) {\n    ...MessageFields\n  }\n}\n\nmutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    clientMessageId\n    message {\n      ...MessageFields\n    }\n  }\n}\n\nsubscription NewMessage($groupId: ID, $after: String) {\n  newMessage(groupId: $groupId, after: $after) {\n    ...MessageFields\n  }\n}": typeof types.MessageFieldsFragmentDoc,
    "fragment NotificationFields on Notification {\n  id\n  type\n  title\n  content\n  createdAt\n}\n\nmutation PublishNotification($userId: ID!, $type: String!, $title: String!, $content: String!) {\n  publishNotification(\n    userId: $userId\n    type: $type\n    title: $title\n    content: $content\n  ) {\n    ...NotificationFields\n  }\n}\n\nsubscription Notification {\n  notification {\n    ...NotificationFields\n  }\n}": typeof types.NotificationFieldsFragmentDoc,
    "query Me {\n  me {\n    id\n    name\n    online\n  }\n}\n\nquery OnlineMembers($groupId: ID!) {\n  onlineMembers(groupId: $groupId) {\n    id\n    name\n    online\n  }\n}": typeof types.MeDocument,
};
const documents: Documents = {
    "fragment GroupFields on Group {\n  id\n  name\n  unreadCount\n}\n\nquery MyGroups {\n  myGroups {\n    ...GroupFields\n  }\n}\n\nmutation CreateGroup($name: String!) {\n  createGroup(name: $name) {\n    ...GroupFields\n  }\n}\n\nmutation JoinGroup($groupId: ID!) {\n  joinGroup(groupId: $groupId) {\n    ...GroupFields\n  }\n}\n\nmutation LeaveGroup($groupId: ID!) {\n  leaveGroup(groupId: $groupId)\n}\n\nmutation MarkRead($groupId: ID!, $messageId: ID!) {\n  markRead(groupId: $groupId, messageId: $messageId) {\n    ...GroupFields\n  }\n}": types.GroupFieldsFragmentDoc,
    "fragment MessageFields on Message {\n  id\n  groupId\n  cursor\n  sender {\n    id\n    name\n  }\n  msgType\n  content\n  imageUrl\n  clientMessageId\n  createdAt\n}\n\nquery Messages($groupId: ID!, $before: String, $last: Int) {\n  messages(groupId: $groupId, before: $before, last: $last) {\n    ...MessageFields\n  }\n}\n\nmutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    clientMessageId\n    message {\n      ...MessageFields\n    }\n  }\n}\n\nsubscription NewMessage($groupId: ID, $after: String) {\n  newMessage(groupId: $groupId, after: $after) {\n    ...MessageFields\n  }\n}": types.MessageFieldsFragmentDoc,
    "fragment NotificationFields on Notification {\n  id\n  type\n  title\n  content\n  createdAt\n}\n\nmutation PublishNotification($userId: ID!, $type: String!, $title: String!, $content: String!) {\n  publishNotification(\n    userId: $userId\n    type: $type\n    title: $title\n    content: $content\n  ) {\n    ...NotificationFields\n  }\n}\n\nsubscription Notification {\n  notification {\n    ...NotificationFields\n  }\n}": types.NotificationFieldsFragmentDoc,
    "query Me {\n  me {\n    id\n    name\n    online\n  }\n}\n\nquery OnlineMembers($groupId: ID!) {\n  onlineMembers(groupId: $groupId) {\n    id\n    name\n    online\n  }\n}": types.MeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment GroupFields on Group {\n  id\n  name\n  unreadCount\n}\n\nquery MyGroups {\n  myGroups {\n    ...GroupFields\n  }\n}\n\nmutation CreateGroup($name: String!) {\n  createGroup(name: $name) {\n    ...GroupFields\n  }\n}\n\nmutation JoinGroup($groupId: ID!) {\n  joinGroup(groupId: $groupId) {\n    ...GroupFields\n  }\n}\n\nmutation LeaveGroup($groupId: ID!) {\n  leaveGroup(groupId: $groupId)\n}\n\nmutation MarkRead($groupId: ID!, $messageId: ID!) {\n  markRead(groupId: $groupId, messageId: $messageId) {\n    ...GroupFields\n  }\n}"): (typeof documents)["fragment GroupFields on Group {\n  id\n  name\n  unreadCount\n}\n\nquery MyGroups {\n  myGroups {\n    ...GroupFields\n  }\n}\n\nmutation CreateGroup($name: String!) {\n  createGroup(name: $name) {\n    ...GroupFields\n  }\n}\n\nmutation JoinGroup($groupId: ID!) {\n  joinGroup(groupId: $groupId) {\n    ...GroupFields\n  }\n}\n\nmutation LeaveGroup($groupId: ID!) {\n  leaveGroup(groupId: $groupId)\n}\n\nmutation MarkRead($groupId: ID!, $messageId: ID!) {\n  markRead(groupId: $groupId, messageId: $messageId) {\n    ...GroupFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment MessageFields on Message {\n  id\n  groupId\n  cursor\n  sender {\n    id\n    name\n  }\n  msgType\n  content\n  imageUrl\n  clientMessageId\n  createdAt\n}\n\nquery Messages($groupId: ID!, $before: String, $last: Int) {\n  messages(groupId: $groupId, before: $before, last: $last) {\n    ...MessageFields\n  }\n}\n\nmutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    clientMessageId\n    message {\n      ...MessageFields\n    }\n  }\n}\n\nsubscription NewMessage($groupId: ID, $after: String) {\n  newMessage(groupId: $groupId, after: $after) {\n    ...MessageFields\n  }\n}"): (typeof documents)["fragment MessageFields on Message {\n  id\n  groupId\n  cursor\n  sender {\n    id\n    name\n  }\n  msgType\n  content\n  imageUrl\n  clientMessageId\n  createdAt\n}\n\nquery Messages($groupId: ID!, $before: String, $last: Int) {\n  messages(groupId: $groupId, before: $before, last: $last) {\n    ...MessageFields\n  }\n}\n\nmutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    clientMessageId\n    message {\n      ...MessageFields\n    }\n  }\n}\n\nsubscription NewMessage($groupId: ID, $after: String) {\n  newMessage(groupId: $groupId, after: $after) {\n    ...MessageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment NotificationFields on Notification {\n  id\n  type\n  title\n  content\n  createdAt\n}\n\nmutation PublishNotification($userId: ID!, $type: String!, $title: String!, $content: String!) {\n  publishNotification(\n    userId: $userId\n    type: $type\n    title: $title\n    content: $content\n  ) {\n    ...NotificationFields\n  }\n}\n\nsubscription Notification {\n  notification {\n    ...NotificationFields\n  }\n}"): (typeof documents)["fragment NotificationFields on Notification {\n  id\n  type\n  title\n  content\n  createdAt\n}\n\nmutation PublishNotification($userId: ID!, $type: String!, $title: String!, $content: String!) {\n  publishNotification(\n    userId: $userId\n    type: $type\n    title: $title\n    content: $content\n  ) {\n    ...NotificationFields\n  }\n}\n\nsubscription Notification {\n  notification {\n    ...NotificationFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    name\n    online\n  }\n}\n\nquery OnlineMembers($groupId: ID!) {\n  onlineMembers(groupId: $groupId) {\n    id\n    name\n    online\n  }\n}"): (typeof documents)["query Me {\n  me {\n    id\n    name\n    online\n  }\n}\n\nquery OnlineMembers($groupId: ID!) {\n  onlineMembers(groupId: $groupId) {\n    id\n    name\n    online\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;