import type { Redis } from 'ioredis';
import type { ChatMessage } from '../model.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { createLuaScript } from '../redis/lua-script.js';
import { PERSIST_MESSAGE_FIELD } from '../redis/redis-keys.js';
import { CommitUnconfirmedError } from './message-committer.js';
import { messageAt, type MessageDraft } from './message-log.js';

/**
 * Gives a message its position and keeps it, in one atomic step on Redis. The script runs alone
 * on the server, so across every instance: no two messages of a group share a seq, and the order in
 * which messages are published is the order of their seqs.
 *
 * KEYS: the group's counter, its log stream, the persistence stream, the key of the sender's
 *       clientMessageId in the group (any key when there is none).
 * ARGV: the seed ('' when not known), the draft as a JSON object without seq, the log bound, '~' or
 *       '=' trimming, the expiry (ms) of counter and log, '1' to add to the persistence stream, the
 *       channel to publish on ('' for none), the draft's `<createdAt> <id>` to remember under its
 *       clientMessageId ('' for nothing to remember), for how long (ms).
 * Answers {0} when the counter is missing and no seed came: the caller asks the Chat service for
 * the last stored seq and runs it again. {2, message} when the clientMessageId was sent already and
 * that message is still in the log, {3, '<seq> <createdAt> <id>'} when it is no longer: nothing is
 * written then. Otherwise {1, seq}.
 *
 * Everything that can fail runs before the first write, so an error leaves nothing half done.
 */
const APPEND_MESSAGE_LUA = `
if ARGV[8] ~= '' then
  local sent = redis.call('GET', KEYS[4])
  if sent then
    local entry = string.match(sent, '^%d+') .. '-0'
    local kept = redis.call('XRANGE', KEYS[2], entry, entry)[1]
    if kept then return {2, kept[2][2]} end
    return {3, sent}
  end
end
local seq = tonumber(redis.call('GET', KEYS[1]))
if not seq then
  if ARGV[1] == '' then return {0} end
  seq = tonumber(ARGV[1])
  -- A log that outlived its counter (the counter evicted) must not be written below. While the
  -- counter exists it is at least the log's last seq: only this script writes either, both at once.
  local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
  if last then
    local logged = tonumber(string.match(last[1], '^(%d+)'))
    if logged > seq then seq = logged end
  end
end
seq = seq + 1
local seqText = string.format('%d', seq)
local message = '{"seq":' .. seqText .. ',' .. string.sub(ARGV[2], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], ARGV[3], seqText .. '-0', '${PERSIST_MESSAGE_FIELD}', message)
redis.call('SET', KEYS[1], seqText, 'PX', ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
if ARGV[6] == '1' then redis.call('XADD', KEYS[3], '*', '${PERSIST_MESSAGE_FIELD}', message) end
if ARGV[7] ~= '' then redis.call('PUBLISH', ARGV[7], '{"kind":"message","message":' .. message .. '}') end
if ARGV[8] ~= '' then redis.call('SET', KEYS[4], seqText .. ' ' .. ARGV[8], 'PX', ARGV[9]) end
return {1, seq}
`;

/** See the script: needs a seed, appended at seq, sent already (the message), sent already (no longer in the log). */
type AppendAnswer = [0] | [1, number] | [2, string] | [3, string];

/** Stream trimming is approximate (cheap) unless the bound is below a stream node's default size, where `~` would never trim. */
const APPROXIMATE_TRIM_FROM = 100;

export interface AppendScriptOptions {
  redis: Redis;
  keys: RedisKeys;
  /** The highest seq the Chat service stored for a group; asked only when the counter is missing. */
  lastStoredSeq: (groupId: string) => Promise<number>;
  /** Messages kept per group in its log. */
  maxPerGroup: number;
  /** Counter and log expire this long after the group's last message. */
  ttlMs: number;
  /** How long a sender's clientMessageId stands for the message it was first sent as; 0 for not at all. */
  retryWindowMs: number;
}

export interface AppendTargets {
  /** Also add the message to the persistence stream. */
  persist: boolean;
  /** Also publish `{ kind: 'message', message }` on this channel. */
  channel?: string;
  /**
   * When the draft's sender sent its clientMessageId to the group within the retry window, answer
   * that message and append nothing.
   */
  once?: boolean;
}

export type AppendMessage = (draft: MessageDraft, targets: AppendTargets) => Promise<ChatMessage>;

export function createAppendScript(options: AppendScriptOptions): AppendMessage {
  const { keys } = options;
  // The appends of one turn of the event loop, or under load of a millisecond's turns, leave in one write.
  const script = createLuaScript(options.redis, APPEND_MESSAGE_LUA);
  const maxLen = String(options.maxPerGroup);
  const trim = options.maxPerGroup >= APPROXIMATE_TRIM_FROM ? '~' : '=';
  const ttlMs = String(options.ttlMs);
  const retryWindowMs = String(options.retryWindowMs);

  return async (draft, targets) => {
    const json = JSON.stringify(draft);
    const once = targets.once === true && draft.clientMessageId !== null && options.retryWindowMs > 0;
    const sentKey = once ? keys.sentMessage(draft.sender.id, draft.groupId, draft.clientMessageId!) : keys.persist;
    const sentAs = once ? `${draft.createdAt} ${draft.id}` : '';
    const attempt = (seed: string) =>
      script.run(
        [keys.seq(draft.groupId), keys.log(draft.groupId), keys.persist, sentKey],
        [seed, json, maxLen, trim, ttlMs, targets.persist ? '1' : '0', targets.channel ?? '', sentAs, retryWindowMs],
      ) as Promise<AppendAnswer>;
    let answer: AppendAnswer;
    try {
      answer = await attempt('');
      // Seeding is rare (a group's first message since its counter expired): the Chat service is only asked then.
      if (answer[0] === 0) {
        const seed = String(await options.lastStoredSeq(draft.groupId));
        answer = await attempt(seed);
      }
    } catch (error) {
      throw unconfirmedIfSent(error);
    }
    switch (answer[0]) {
      case 1:
        return messageAt(draft, Number(answer[1]));
      case 2:
        return JSON.parse(answer[1]) as ChatMessage;
      case 3:
        return sentEarlier(draft, answer[1]);
      default:
        throw new Error(`The append script answered ${JSON.stringify(answer)}`);
    }
  };
}

/** A message sent earlier under the draft's clientMessageId that the log no longer holds: its own position, time and id. */
function sentEarlier(draft: MessageDraft, sentAs: string): ChatMessage {
  const [seq, createdAt, id] = sentAs.split(' ');
  const message = messageAt(draft, Number(seq));
  message.id = id!;
  message.createdAt = Number(createdAt);
  return message;
}

/**
 * ioredis's errors for a command that was sent and got no answer: the command timed out, or the
 * connection closed before the reply came. Redis may have run the script all the same.
 */
const SENT_BUT_UNANSWERED = new Set(['Command timed out', 'Connection is closed.']);

function unconfirmedIfSent(error: unknown): unknown {
  return error instanceof Error && SENT_BUT_UNANSWERED.has(error.message) ? new CommitUnconfirmedError(error) : error;
}
