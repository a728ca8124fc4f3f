import { randomUUID } from 'node:crypto';
import { canPublishNotifications } from '../auth/viewer.js';
import { requireViewer } from '../context.js';
import { badUserInput, forbidden } from '../errors.js';
import type { ChatNotification } from '../model.js';
import { createEventStream } from '../realtime/event-stream.js';
import type { UserEvent } from '../realtime/topics.js';
import { SHARED_EXECUTION } from '../realtime/shared-subscriptions.js';
import { builder } from './builder.js';

const LIMITS = { type: 64, title: 200, content: 4000 } as const;

export const NotificationType = builder.objectRef<ChatNotification>('Notification').implement({
  description: 'A notification for one user, from CampusHub services or an administrator.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type', { description: 'What it is about, e.g. `activity.reminder`.' }),
    title: t.exposeString('title'),
    content: t.exposeString('content'),
    createdAt: t.field({ type: 'DateTime', resolve: (notification) => notification.createdAt }),
  }),
});

builder.mutationField('publishNotification', (t) =>
  t.field({
    type: NotificationType,
    description: "Sends a notification to one user's devices. Tokens whose roles include `admin` or `service` only.",
    args: {
      userId: t.arg.id({ required: true }),
      type: t.arg.string({ required: true }),
      title: t.arg.string({ required: true }),
      content: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, context) => {
      const viewer = requireViewer(context);
      if (!canPublishNotifications(viewer)) throw forbidden('Publishing notifications needs the admin or service role.');
      for (const field of ['type', 'title', 'content'] as const) {
        if (!args[field].trim() || args[field].length > LIMITS[field]) {
          throw badUserInput(`${field} must be 1 to ${LIMITS[field]} characters.`, field);
        }
      }
      const notification: ChatNotification = {
        id: randomUUID(),
        userId: args.userId,
        type: args.type,
        title: args.title,
        content: args.content,
        createdAt: Date.now(),
      };
      const { bus, topics } = context.services;
      await bus.publish(topics.user(args.userId), { kind: 'notification', notification });
      return notification;
    },
  }),
);

builder.subscriptionField('notification', (t) =>
  t.field({
    type: NotificationType,
    description: "The viewer's own notifications, as they are published.",
    // Shared by the viewer's own devices only: the channel is theirs alone.
    extensions: { [SHARED_EXECUTION]: true },
    subscribe: (_root, _args, context) => {
      const viewer = requireViewer(context);
      const { bus, topics } = context.services;
      const stream = createEventStream<ChatNotification>({ onClose: () => unsubscribe() });
      const unsubscribe = bus.subscribe(topics.user(viewer.id), (event: UserEvent) => {
        if (event.kind === 'notification') stream.push(event.notification);
      });
      return stream;
    },
    resolve: (notification) => notification,
  }),
);
