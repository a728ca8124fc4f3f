export { createChatClient, toWebSocketUrl } from './create-chat-client.js';
export type {
  ChatClient,
  ChatClientOptions,
  NewMessageOptions,
  SubscriptionHandlers,
  TokenSource,
  VariablesArgs,
  VariablesParam,
} from './create-chat-client.js';
export { ChatClientError, type ChatClientErrorOptions, type ChatErrorCode } from './chat-client-error.js';
export { ChatCloseCode } from './close-codes.js';
export type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
export * from './generated/graphql.js';
