import { groupFromProto } from '../chat-rpc/mapping.js';
import { requireViewer, type GraphQLContext } from '../context.js';
import { badUserInput, forbidden, notFound } from '../errors.js';
import { listAllUserGroups } from '../messages/user-groups.js';
import type { ChatGroup } from '../model.js';
import { builder } from './builder.js';
import { UserType } from './user.js';

const MAX_GROUP_NAME_LENGTH = 100;

export const GroupType = builder.objectRef<ChatGroup>('Group').implement({
  description: 'A chat group.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    unreadCount: t.int({
      description: "Messages in the group the viewer has not read (their own never count).",
      resolve: async (group, _args, context) => {
        if (group.unreadCount !== undefined) return group.unreadCount;
        const viewer = requireViewer(context);
        const stored = await context.services.chat.getGroup({ groupId: group.id, userId: viewer.id });
        return stored.unreadCount ?? 0;
      },
    }),
  }),
});

/** Throws FORBIDDEN unless the viewer belongs to the group (NOT_FOUND when it does not exist). */
export async function requireMembership(context: GraphQLContext, groupId: string): Promise<void> {
  const viewer = requireViewer(context);
  const { isMember } = await context.services.chat.checkMembership({ groupId, userId: viewer.id });
  if (!isMember) throw forbidden('You are not a member of this group.');
}

function publishMembership(context: GraphQLContext, userId: string, groupId: string, change: 'joined' | 'left') {
  const { bus, topics, logger } = context.services;
  return bus.publish(topics.user(userId), { kind: 'membership', groupId, change }).catch((error: unknown) => {
    logger.warn({ err: error, groupId, change }, 'publishing a membership change failed');
  });
}

builder.queryFields((t) => ({
  myGroups: t.field({
    type: [GroupType],
    description: 'The groups the viewer belongs to, with their unread counts.',
    resolve: async (_root, _args, context) => listAllUserGroups(context.services.chat, requireViewer(context).id),
  }),
  onlineMembers: t.field({
    type: [UserType],
    description: 'Members of the group with at least one connected device. Members only.',
    args: { groupId: t.arg.id({ required: true }) },
    resolve: async (_root, { groupId }, context) => {
      await requireMembership(context, groupId);
      const { members } = await context.services.chat.listGroupMembers({ groupId });
      const online = await context.services.presence.onlineAmong(members.map((member) => member.id));
      return members.filter((member) => online.has(member.id)).map((member) => ({ id: member.id, name: member.name, online: true }));
    },
  }),
}));

builder.mutationFields((t) => ({
  createGroup: t.field({
    type: GroupType,
    description: 'Creates a group; the creator becomes its first member.',
    args: { name: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const viewer = requireViewer(context);
      const name = args.name.trim();
      if (!name || name.length > MAX_GROUP_NAME_LENGTH) {
        throw badUserInput(`name must be 1 to ${MAX_GROUP_NAME_LENGTH} characters.`, 'name');
      }
      await context.services.users.remember(viewer);
      const group = await context.services.chat.createGroup({ name, creatorId: viewer.id });
      await publishMembership(context, viewer.id, group.id, 'joined');
      return { ...groupFromProto(group), unreadCount: 0 };
    },
  }),
  joinGroup: t.field({
    type: GroupType,
    description: 'Joins a group. Joining a group one already belongs to is not an error.',
    args: { groupId: t.arg.id({ required: true }) },
    resolve: async (_root, { groupId }, context) => {
      const viewer = requireViewer(context);
      await context.services.users.remember(viewer);
      const group = await context.services.chat.joinGroup({ groupId, userId: viewer.id });
      await publishMembership(context, viewer.id, groupId, 'joined');
      return groupFromProto(group);
    },
  }),
  leaveGroup: t.boolean({
    description: 'Leaves a group; its subscriptions end on every device. False when the viewer was not a member.',
    args: { groupId: t.arg.id({ required: true }) },
    resolve: async (_root, { groupId }, context) => {
      const viewer = requireViewer(context);
      const { wasMember } = await context.services.chat.leaveGroup({ groupId, userId: viewer.id });
      context.services.membership.forget(viewer.id, groupId);
      if (wasMember) await publishMembership(context, viewer.id, groupId, 'left');
      return wasMember;
    },
  }),
  markRead: t.field({
    type: GroupType,
    description: 'Marks the group read up to and including the message; returns the group with its new unreadCount.',
    args: { groupId: t.arg.id({ required: true }), messageId: t.arg.id({ required: true }) },
    resolve: async (_root, { groupId, messageId }, context) => {
      const viewer = requireViewer(context);
      const { chat, messageLog } = context.services;
      const seq =
        (await messageLog.find(groupId, messageId))?.seq ??
        (await chat.getMessage({ messageId }).then((message) => (message.groupId === groupId ? message.seq : undefined)));
      if (seq === undefined) throw notFound('No such message in this group.');
      const [{ unreadCount }, group] = await Promise.all([
        chat.markRead({ groupId, userId: viewer.id, seq }),
        chat.getGroup({ groupId, userId: '' }),
      ]);
      return { ...groupFromProto(group), unreadCount };
    },
  }),
}));
