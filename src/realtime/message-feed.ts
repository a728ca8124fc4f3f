import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import { apiError, ErrorCode, forbidden, unavailable } from '../errors.js';
import type { MessagePosition } from '../messages/cursor.js';
import type { MembershipCheck } from '../messages/membership-cache.js';
import { createMessageCatchUp } from '../messages/message-catch-up.js';
import type { MessageLog } from '../messages/message-log.js';
import { listAllUserGroups } from '../messages/user-groups.js';
import type { ChatMessage } from '../model.js';
import type { EventBus, Unsubscribe } from './event-bus.js';
import { createEventStream, type EventStream } from './event-stream.js';
import { ResumeGate } from './resume-gate.js';
import type { Topics, UserEvent } from './topics.js';

export interface MessageFeedOptions {
  bus: EventBus;
  topics: Topics;
  messageLog: MessageLog;
  chat: ChatRpcClient;
  /** Memberships a subscription has checked are held there while it lasts. */
  membership?: Pick<MembershipCheck, 'hold'>;
  /** Messages held for a slow subscriber before its subscription fails, default 1024. */
  maxBuffered?: number;
  /** Most messages replayed per group on resume, default 1000; further behind is RESYNC_REQUIRED. */
  maxReplay?: number;
}

export interface MessageFeed {
  /** New messages of one group; ends when the viewer leaves it. */
  group(viewerId: string, groupId: string, after?: MessagePosition): Promise<EventStream<ChatMessage>>;
  /**
   * New messages of every group the viewer belongs to, following joins and leaves. Each group with
   * a position in `after` resumes after it; the others from the time of the earliest position.
   */
  allGroups(viewerId: string, after: readonly MessagePosition[]): Promise<EventStream<ChatMessage>>;
}

const slowSubscriber = () =>
  apiError(ErrorCode.Unavailable, 'The subscriber fell too far behind; resubscribe with after: the last cursor received.', {
    reason: 'SLOW_SUBSCRIBER',
  });

export function createMessageFeed(options: MessageFeedOptions): MessageFeed {
  const { bus, topics, chat } = options;
  const hold = (userId: string, groupId: string) => options.membership?.hold(userId, groupId) ?? (() => {});
  const catchUp = createMessageCatchUp({ messageLog: options.messageLog, chat, maxReplay: options.maxReplay });

  const openStream = () => {
    const subscriptions: Unsubscribe[] = [];
    const stream = createEventStream<ChatMessage>({
      maxBuffered: options.maxBuffered,
      overflowError: slowSubscriber,
      onClose: () => {
        for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
      },
    });
    return { stream, subscriptions, gate: new ResumeGate(stream) };
  };

  /** Waits until events of the channels reach this process, so that what a replay reads and what arrives live meet. */
  const listening = async (channels: string[]) => {
    try {
      await Promise.all(channels.map((channel) => bus.ready(channel)));
    } catch (error) {
      throw Object.assign(unavailable('Subscribing failed; try again.'), { cause: error });
    }
  };

  return {
    async group(viewerId, groupId, after) {
      const { stream, subscriptions, gate } = openStream();
      let releaseMembership = () => {};
      // Listen before checking membership, so a leave between the two is not missed.
      subscriptions.push(
        bus.subscribe(topics.user(viewerId), (event: UserEvent) => {
          if (event.kind === 'membership' && event.change === 'left' && event.groupId === groupId) {
            releaseMembership();
            stream.end();
          }
        }),
        bus.subscribe(topics.group(groupId), (event) => gate.live(event.message)),
      );
      try {
        if (after && after.groupId !== groupId) throw apiError(ErrorCode.BadUserInput, 'The cursor belongs to another group.', { field: 'after' });
        await listening([topics.user(viewerId), topics.group(groupId)]);
        const { isMember } = await chat.checkMembership({ groupId, userId: viewerId });
        if (!isMember) throw forbidden('You are not a member of this group.');
        // A leave may have ended the stream while the answer was on its way.
        if (!stream.closed) {
          releaseMembership = hold(viewerId, groupId);
          subscriptions.push(releaseMembership);
        }
        if (after) for (const message of await catchUp.afterSeq(groupId, after.seq)) gate.replayed(message);
      } catch (error) {
        await stream.return();
        throw error;
      }
      gate.open();
      return stream;
    },

    async allGroups(viewerId, after) {
      const { stream, subscriptions, gate } = openStream();
      const groupSubscriptions = new Map<string, Unsubscribe>();
      const follow = (groupId: string) => {
        if (stream.closed || groupSubscriptions.has(groupId)) return;
        const unsubscribe = bus.subscribe(topics.group(groupId), (event) => gate.live(event.message));
        const release = hold(viewerId, groupId);
        groupSubscriptions.set(groupId, () => {
          unsubscribe();
          release();
        });
      };
      const unfollow = (groupId: string) => {
        groupSubscriptions.get(groupId)?.();
        groupSubscriptions.delete(groupId);
      };
      subscriptions.push(
        () => {
          for (const unsubscribe of groupSubscriptions.values()) unsubscribe();
          groupSubscriptions.clear();
        },
        bus.subscribe(topics.user(viewerId), (event: UserEvent) => {
          if (event.kind !== 'membership') return;
          if (event.change === 'joined') follow(event.groupId);
          else unfollow(event.groupId);
        }),
      );
      try {
        await listening([topics.user(viewerId)]);
        const groups = await listAllUserGroups(chat, viewerId);
        for (const group of groups) follow(group.id);
        await listening(groups.map((group) => topics.group(group.id)));
        if (after.length > 0) {
          // Listed groups resume by position. The others have only a time to go by, so they replay
          // from that very millisecond on: a repeat is better than a loss.
          const positions = new Map(after.map((position) => [position.groupId, position]));
          const since = Math.min(...after.map((position) => position.createdAt));
          const missed = await Promise.all(
            groups.map((group) => {
              const position = positions.get(group.id);
              return position ? catchUp.afterSeq(group.id, position.seq) : catchUp.since(group.id, since);
            }),
          );
          for (const message of mergeByTime(missed)) gate.replayed(message);
        }
      } catch (error) {
        await stream.return();
        throw error;
      }
      gate.open();
      return stream;
    },
  };
}

/** Interleaves per-group lists by creation time, keeping each group's own (seq) order. */
function mergeByTime(lists: ChatMessage[][]): ChatMessage[] {
  const heads = lists.map(() => 0);
  const merged: ChatMessage[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < lists.length; i++) {
      const head = lists[i]![heads[i]!];
      if (head && (pick < 0 || head.createdAt < lists[pick]![heads[pick]!]!.createdAt)) pick = i;
    }
    if (pick < 0) return merged;
    merged.push(lists[pick]![heads[pick]!++]!);
  }
}
