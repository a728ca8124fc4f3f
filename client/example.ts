/**
 * Alice and Bob chat through the typed client.
 *
 *   npm run example                                            # starts a gateway in-process
 *   GRAPHQL_URL=http://localhost:4000/graphql npm run example  # or talks to a running one
 *
 * Tokens are signed with JWT_SECRET, or the development secret the gateway accepts by default.
 */
import WebSocket from 'ws';
import { signDevToken } from '../src/auth/dev-token.js';
import { DEV_JWT_SECRET, loadConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';
import {
  createChatClient,
  CreateGroupDocument,
  JoinGroupDocument,
  MarkReadDocument,
  MessagesDocument,
  MyGroupsDocument,
  type ChatClient,
} from './index.js';

const gateway = process.env.GRAPHQL_URL ? undefined : buildServer(loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'warn' }));
const url = process.env.GRAPHQL_URL ?? (await gateway!.start()).url;
const secret = process.env.JWT_SECRET ?? DEV_JWT_SECRET;

const connect = (userId: string, name: string) =>
  createChatClient({
    url,
    // A function rather than a string: each reconnect signs in with a fresh token.
    token: () => signDevToken({ userId, name, secret }),
    webSocketImpl: WebSocket, // Node 20 has no global WebSocket
  });

/** Prints the group's messages as `reader` receives them; resolves once `count` have arrived. */
const receive = (reader: string, client: ChatClient, groupId: string, after: string, count: number) =>
  new Promise<void>((resolve, reject) => {
    client.onNewMessage(
      groupId,
      (message) => {
        console.log(`  ${reader} got  ${message.sender.name}: ${message.content}`);
        if (--count === 0) resolve();
      },
      { after, error: reject },
    );
  });

const alice = connect('alice', 'Alice');
const bob = connect('bob', 'Bob');
try {
  const { createGroup: group } = await alice.mutate(CreateGroupDocument, { name: 'Climbing club' });
  await bob.mutate(JoinGroupDocument, { groupId: group.id });
  console.log(`alice created "${group.name}", bob joined`);

  const welcome = await alice.sendMessage({ groupId: group.id, content: 'Welcome, Bob!' });

  const { messages } = await bob.query(MessagesDocument, { groupId: group.id, last: 20 });
  console.log(`bob reads the history: ${messages.map((message) => `"${message.content}"`).join(', ')}`);

  // Subscribing after the last message seen means nothing sent from then on can be missed, even
  // what is sent before the subscription is up.
  const after = welcome.message.cursor;
  const delivered = Promise.all([receive('alice', alice, group.id, after, 3), receive('bob  ', bob, group.id, after, 3)]);
  await bob.sendMessage({ groupId: group.id, content: 'Thanks! Bouldering on Saturday?' });
  await alice.sendMessage({ groupId: group.id, content: 'Yes, 10am at the gym.' });
  const last = await bob.sendMessage({ groupId: group.id, content: 'See you there.' });
  await delivered;

  const unread = (await alice.query(MyGroupsDocument)).myGroups.find((candidate) => candidate.id === group.id);
  console.log(`alice has ${unread?.unreadCount} unread`);
  const { markRead } = await alice.mutate(MarkReadDocument, { groupId: group.id, messageId: last.message.id });
  console.log(`alice marks the group read: ${markRead.unreadCount} unread`);
} finally {
  // Ends the subscriptions too.
  await Promise.all([alice.dispose(), bob.dispose()]);
  await gateway?.stop();
}
