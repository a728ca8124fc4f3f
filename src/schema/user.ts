import { requireViewer } from '../context.js';
import type { UserRef } from '../model.js';
import { builder } from './builder.js';

export const UserType = builder.objectRef<UserRef>('User').implement({
  description: 'A CampusHub user.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.field({
      type: 'String',
      description: 'Display name: from the identity provider, else the user id.',
      // Known names resolve at once: a message's sender keeps its whole execution synchronous.
      resolve: (user, _args, context) => user.name ?? context.userLoader.load(user.id).then((loaded) => loaded.name ?? user.id),
    }),
    online: t.boolean({
      description: 'Whether the user has at least one connected device.',
      resolve: (user, _args, context) => user.online ?? context.services.presence.isOnline(user.id),
    }),
    lastSeenAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the user was last connected: recent while online; null when not known.',
      resolve: (user, _args, context) => (user.lastSeenAt !== undefined ? user.lastSeenAt : context.services.presence.lastSeen(user.id)),
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: UserType,
    description: 'The authenticated user.',
    resolve: async (_root, _args, context) => {
      const viewer = requireViewer(context);
      return { id: viewer.id, name: await context.services.users.displayName(viewer) };
    },
  }),
);
