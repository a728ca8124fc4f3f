/**
 * The stack a team would write from the tutorials: graphql-yoga, graphql-ws on `ws` sharing yoga's
 * envelop pipeline (as in yoga's graphql-ws example), and graphql-redis-subscriptions on ioredis with
 * one topic for every message, filtered by group with `withFilter`. Auth is skipped.
 *
 * Env: PORT, REDIS_URL, REDIS_PREFIX.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { DateTimeResolver } from 'graphql-scalars';
import { withFilter } from 'graphql-subscriptions';
import { useServer } from 'graphql-ws/use/ws';
import { createSchema, createYoga } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 4200);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MESSAGES = `${process.env.REDIS_PREFIX ?? 'tutorial'}:MESSAGES`;

const pubsub = new RedisPubSub({ publisher: new Redis(redisUrl), subscriber: new Redis(redisUrl) });

interface Message {
  id: string;
  groupId: string;
  cursor: string;
  msgType: string;
  content: string | null;
  imageUrl: string | null;
  clientMessageId: string | null;
  createdAt: string;
  sender: { id: string; name: string };
}

const typeDefs = /* GraphQL */ `
  scalar DateTime
  enum MessageType { TEXT IMAGE }
  type User { id: ID!, name: String! }
  type Message {
    id: ID!
    groupId: ID!
    cursor: String!
    sender: User!
    msgType: MessageType!
    content: String
    imageUrl: String
    clientMessageId: ID
    createdAt: DateTime!
  }
  input SendMessageInput { groupId: ID!, msgType: MessageType = TEXT, content: String, imageUrl: String, clientMessageId: ID }
  type SendMessagePayload { clientMessageId: ID, message: Message! }
  type Query { hello: String }
  type Mutation { sendMessage(input: SendMessageInput!): SendMessagePayload! }
  type Subscription { newMessage(groupId: ID): Message! }
`;

const schema = createSchema({
  typeDefs,
  resolvers: {
    DateTime: DateTimeResolver,
    Query: { hello: () => 'hello' },
    Mutation: {
      sendMessage: async (_root: unknown, { input }: { input: Omit<Message, 'id' | 'cursor' | 'createdAt' | 'sender'> }) => {
        const id = randomUUID();
        const message: Message = {
          id,
          groupId: input.groupId,
          cursor: Buffer.from(`${input.groupId}:${id}`).toString('base64url'),
          msgType: input.msgType ?? 'TEXT',
          content: input.content ?? null,
          imageUrl: input.imageUrl ?? null,
          clientMessageId: input.clientMessageId ?? null,
          createdAt: new Date().toISOString(),
          sender: { id: 'tutorial', name: 'Tutorial' },
        };
        await pubsub.publish(MESSAGES, { newMessage: message });
        return { clientMessageId: message.clientMessageId, message };
      },
    },
    Subscription: {
      newMessage: {
        subscribe: withFilter(
          () => pubsub.asyncIterableIterator(MESSAGES),
          (payload: { newMessage: Message } | undefined, args: { groupId?: string | null } | undefined) =>
            !args?.groupId || payload?.newMessage.groupId === args.groupId,
        ),
      },
    },
  },
});

const yoga = createYoga({ schema, graphqlEndpoint: '/graphql', graphiql: false, landingPage: false, logging: 'warn' });
const server = createServer(yoga);
const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

// As in graphql-yoga's graphql-ws example: the socket's operations run through yoga's envelop.
useServer(
  {
    execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
    subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
    onSubscribe: async (ctx, _id, params) => {
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        ...ctx,
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params,
      });
      const args: ExecutionArgs = {
        schema,
        operationName: params.operationName,
        document: parse(params.query),
        variableValues: params.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe } satisfies EnvelopedRoot,
      };
      const errors = validate(args.schema, args.document);
      if (errors.length) return errors;
      return args;
    },
  },
  wss,
);

server.listen(port, '127.0.0.1', () => console.log(`tutorial listening on ${port}`));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const client of wss.clients) client.terminate();
    server.close();
    pubsub.close().finally(() => process.exit(0));
  });
}
