import { requireViewer } from '../context.js';
import { SHARED_EXECUTION } from '../realtime/shared-subscriptions.js';
import { builder } from './builder.js';
import { UserType } from './user.js';

builder.subscriptionField('presenceChanged', (t) =>
  t.field({
    type: UserType,
    description: "Members of the group coming online or going offline, with their new `online` and `lastSeenAt`. Members only; ends when the viewer leaves the group.",
    args: { groupId: t.arg.id({ required: true }) },
    extensions: { [SHARED_EXECUTION]: true },
    subscribe: (_root, { groupId }, context) => context.services.presenceFeed(requireViewer(context).id, groupId),
    resolve: (user) => user,
  }),
);
