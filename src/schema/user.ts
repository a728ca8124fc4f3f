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
      resolve: async (user, _args, context) => user.name ?? (await context.userLoader.load(user.id)).name ?? user.id,
    }),
    online: t.boolean({
      description: 'Whether the user has at least one connected device.',
      resolve: (user, _args, context) => context.services.presence.isOnline(user.id),
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
