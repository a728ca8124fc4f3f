import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import { apiError, ErrorCode, forbidden } from '../errors.js';
import type { MessagePosition } from '../messages/cursor.js';
import type { MessageLog } from '../messages/message-log.js';
import type { ChatMessage } from '../model.js';
import type { EventBus, Unsubscribe } from './event-bus.js';
import { createEventStream, type EventStream } from './event-stream.js';
import { ResumeGate } from './resume-gate.js';
import type { Topics, UserEvent } from './topics.js';
import { listAllUserGroups } from '../messages/user-groups.js';

export interface MessageFeedOptions {
  bus: EventBus;
  topics: Topics;
  messageLog: MessageLog;
  chat: ChatRpcClient;
  /** Messages held for a slow subscriber before its subscription fails, default 1024. */
  maxBuffered?: number;
  /** Most messages replayed per group on resume, default 1000. */
  maxReplay?: number;
}

export interface MessageFeed {
  /** New messages of one group; ends when the viewer leaves it. */
  group(viewerId: string, groupId: string, after?: MessagePosition): Promise<EventStream<ChatMessage>>;
  /** New messages of every group the viewer belongs to, following joins and leaves. */
  allGroups(viewerId: string, after?: MessagePosition): Promise<EventStream<ChatMessage>>;
}

const slowSubscriber = () =>
  apiError(ErrorCode.Unavailable, 'The subscriber fell too far behind; resubscribe with after: the last cursor received.', {
    reason: 'SLOW_SUBSCRIBER',
  });

const resyncRequired = () =>
  apiError(ErrorCode.ResyncRequired, 'The cursor is older than the history kept for resuming; reload the history and subscribe again.');

export function createMessageFeed(options: MessageFeedOptions): MessageFeed {
  const { bus, topics, messageLog, chat } = options;
  const maxReplay = options.maxReplay ?? 1000;

  const openStream = () => {
    const subscriptions: Unsubscribe[] = [];
    const stream = createEventStream<ChatMessage>({
      maxBuffered: options.maxBuffered,
      overflowError: slowSubscriber,
      onClose: () => {
        for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
      },
    });
    return { stream, subscriptions, gate: new ResumeGate((message) => stream.push(message)) };
  };

  /** Replays one group's messages after `afterSeq`, or fails when they are no longer all kept. */
  const replayGroup = async (gate: ResumeGate, groupId: string, afterSeq: number) => {
    const { messages, complete } = await messageLog.readAfter(groupId, afterSeq, maxReplay);
    if (!complete) throw resyncRequired();
    for (const message of messages) gate.replayed(message);
  };

  return {
    async group(viewerId, groupId, after) {
      const { stream, subscriptions, gate } = openStream();
      // Listen before checking membership, so a leave between the two is not missed.
      subscriptions.push(
        bus.subscribe(topics.user(viewerId), (event: UserEvent) => {
          if (event.kind === 'membership' && event.change === 'left' && event.groupId === groupId) stream.end();
        }),
        bus.subscribe(topics.group(groupId), (event) => gate.live(event.message)),
      );
      try {
        const { isMember } = await chat.checkMembership({ groupId, userId: viewerId });
        if (!isMember) throw forbidden('You are not a member of this group.');
        if (after) {
          if (after.groupId !== groupId) throw apiError(ErrorCode.BadUserInput, 'The cursor belongs to another group.', { field: 'after' });
          await replayGroup(gate, groupId, after.seq);
        }
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
        groupSubscriptions.set(groupId, bus.subscribe(topics.group(groupId), (event) => gate.live(event.message)));
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
        const groups = await listAllUserGroups(chat, viewerId);
        for (const group of groups) follow(group.id);
        if (after) {
          await replayGroup(gate, after.groupId, after.seq);
          // Other groups have no position in the cursor: replay what they received since its time.
          const others = await Promise.all(
            groups
              .filter((group) => group.id !== after.groupId)
              .map(async (group) => (await messageLog.readAfter(group.id, 0, maxReplay)).messages),
          );
          const missed = others.flat().filter((message) => message.createdAt > after.createdAt);
          missed.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
          for (const message of missed) gate.replayed(message);
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
