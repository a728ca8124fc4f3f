import { requireViewer } from '../context.js';
import { badUserInput } from '../errors.js';
import { decodeCursor, decodeCursorList, encodeCursor } from '../messages/cursor.js';
import { DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE, readHistory } from '../messages/message-history.js';
import type { ChatMessage } from '../model.js';
import { SHARED_EXECUTION } from '../realtime/shared-subscriptions.js';
import { builder } from './builder.js';
import { requireMembership } from './group.js';
import { UserType } from './user.js';

export const MessageTypeEnum = builder.enumType('MessageType', {
  values: { TEXT: { description: 'Text in `content`.' }, IMAGE: { description: 'An image at `imageUrl`, with an optional caption in `content`.' } } as const,
});

export const MessageType = builder.objectRef<ChatMessage>('Message').implement({
  description: 'A message in a group.',
  fields: (t) => ({
    id: t.exposeID('id'),
    groupId: t.exposeID('groupId'),
    cursor: t.string({
      description: 'Opaque position of the message in its group: pass it as `after` to resume, or as `before` to page back.',
      resolve: (message) => encodeCursor(message),
    }),
    sender: t.field({ type: UserType, resolve: (message) => message.sender }),
    msgType: t.field({ type: MessageTypeEnum, resolve: (message) => message.msgType }),
    content: t.exposeString('content', { nullable: true }),
    imageUrl: t.exposeString('imageUrl', { nullable: true }),
    clientMessageId: t.exposeID('clientMessageId', { nullable: true, description: 'The id the sender gave the message, echoed back.' }),
    createdAt: t.field({ type: 'DateTime', resolve: (message) => message.createdAt }),
  }),
});

const SendMessageInput = builder.inputType('SendMessageInput', {
  fields: (t) => ({
    groupId: t.id({ required: true }),
    msgType: t.field({ type: MessageTypeEnum, defaultValue: 'TEXT' }),
    content: t.string({ description: 'Required for TEXT; at most 4,000 characters.' }),
    imageUrl: t.string({ description: 'Required for IMAGE: an http(s) URL.' }),
    clientMessageId: t.id({
      description:
        "The sender's own id for the message, echoed in the ack and the delivered message. " +
        'Sending to the same group again with the same clientMessageId within the retry window (10 minutes by default) answers the message already sent and sends nothing twice.',
    }),
  }),
});

const SendMessagePayload = builder
  .objectRef<{ clientMessageId: string | null; message: ChatMessage }>('SendMessagePayload')
  .implement({
    fields: (t) => ({
      clientMessageId: t.exposeID('clientMessageId', { nullable: true }),
      message: t.field({ type: MessageType, resolve: (payload) => payload.message }),
    }),
  });

builder.queryField('messages', (t) =>
  t.field({
    type: [MessageType],
    description: `History of a group, oldest first: the \`last\` messages (default ${DEFAULT_HISTORY_PAGE}, at most ${MAX_HISTORY_PAGE}) before the \`before\` cursor, or the latest ones. Members only.`,
    args: {
      groupId: t.arg.id({ required: true }),
      before: t.arg.string(),
      last: t.arg.int(),
    },
    resolve: async (_root, args, context) => {
      const last = args.last ?? DEFAULT_HISTORY_PAGE;
      if (!Number.isInteger(last) || last < 1 || last > MAX_HISTORY_PAGE) {
        throw badUserInput(`last must be between 1 and ${MAX_HISTORY_PAGE}.`, 'last');
      }
      const before = args.before ? decodeCursor(args.before, 'before') : undefined;
      if (before && before.groupId !== args.groupId) throw badUserInput('The cursor belongs to another group.', 'before');
      await requireMembership(context, args.groupId);
      return readHistory(context.services.chat, context.services.messageLog, args.groupId, before?.seq, last);
    },
  }),
);

builder.mutationField('sendMessage', (t) =>
  t.field({
    type: SendMessagePayload,
    description:
      'Sends a message to a group. The answer is the ack: the message is stored durably and on its way to subscribers. ' +
      'An UNAVAILABLE error with extensions.reason UNCONFIRMED means it may have been sent all the same: send it again with the same clientMessageId, which answers the message if it was sent.',
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const message = await context.services.sender.send(requireViewer(context), input);
      return { clientMessageId: message.clientMessageId, message };
    },
  }),
);

builder.subscriptionField('newMessage', (t) =>
  t.field({
    type: MessageType,
    description:
      'New messages of one group, or of every group the viewer belongs to when `groupId` is omitted (following joins and leaves). With `after`, messages since that cursor are replayed first, with no gap and no duplicate.',
    args: {
      groupId: t.arg.id(),
      after: t.arg.string({
        description:
          'A `Message.cursor` to resume after. Without `groupId`, list the latest cursor received from each group, comma-separated: each group resumes exactly after its own; a group not listed resumes from the time of the earliest listed cursor.',
      }),
    },
    // A message reads the same to every member: each event is executed once for all of them.
    extensions: { [SHARED_EXECUTION]: true },
    subscribe: async (_root, args, context) => {
      const viewer = requireViewer(context);
      const after = args.after ? decodeCursorList(args.after) : [];
      const { feed } = context.services;
      if (!args.groupId) return feed.allGroups(viewer.id, after);
      const position = after.find((candidate) => candidate.groupId === args.groupId);
      if (after.length > 0 && !position) throw badUserInput('The cursor belongs to another group.', 'after');
      return feed.group(viewer.id, args.groupId, position);
    },
    resolve: (message) => message,
  }),
);
