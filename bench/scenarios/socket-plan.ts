import type { SocketSpec } from '../load/worker-messages.js';
import type { RunningSystem } from '../systems/system.js';

export interface SocketPlan {
  specs: SocketSpec[];
  groupIds: string[];
  /** Subscribers of each group: what one message to it must deliver. */
  subscribersByGroup: Record<string, number>;
}

/**
 * `sockets` subscribers in groups of `groupSize` on instance `subscribeOn`; each sends to its own
 * group unless `senderInstance` is given, in which case one extra non-subscribing socket per group
 * on that instance does all the sending (the cross-instance run). `resumable` sockets keep the
 * cursor of what they receive, for their users to resume after it (churn).
 */
export async function planSockets(
  system: RunningSystem,
  sockets: number,
  groupSize: number,
  options: { subscribeOn?: number; senderInstance?: number; resumable?: boolean } = {},
): Promise<SocketPlan> {
  const groupCount = Math.ceil(sockets / groupSize);
  const groupIds = await system.createGroups(groupCount);
  const subscribeUrl = system.instances[options.subscribeOn ?? 0]!.wsUrl;
  const specs: SocketSpec[] = [];
  const subscribersByGroup: Record<string, number> = {};
  const crossInstance = options.senderInstance !== undefined;
  for (let i = 0; i < sockets; i++) {
    const groupId = groupIds[Math.floor(i / groupSize)]!;
    const userId = `u${i}`;
    specs.push({ url: subscribeUrl, userId, token: await system.tokenFor(userId), groupId, join: system.joinsGroups, subscribe: true, send: !crossInstance, resumes: options.resumable });
    subscribersByGroup[groupId] = (subscribersByGroup[groupId] ?? 0) + 1;
  }
  if (crossInstance) {
    const senderUrl = system.instances[options.senderInstance!]!.wsUrl;
    groupIds.forEach((groupId, g) => {
      const userId = `sender${g}`;
      specs.push({ url: senderUrl, userId, token: undefined, groupId, join: system.joinsGroups, subscribe: false, send: true });
    });
    for (const spec of specs) if (!spec.subscribe) spec.token = await system.tokenFor(spec.userId);
  }
  return { specs, groupIds, subscribersByGroup };
}
