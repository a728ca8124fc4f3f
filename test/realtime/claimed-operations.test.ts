import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { createEventStream } from '../../src/realtime/event-stream.js';
import { createClaimedOperations, type ClaimedOperationSteps } from '../../src/realtime/claimed-operations.js';

type Ctx = WsContext<Record<string, unknown>, Record<string, unknown>>;

const SUBSCRIBE = (id: string, query = 'subscription { newMessage(groupId: "g") { id } }') => JSON.stringify({ id, type: 'subscribe', payload: { query } });
const ARGS = { document: {} } as ExecutionArgs;

/** A socket's graphql-ws context and what was sent on it; the steps answer what each test sets. */
function harness(answer: () => Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>>, prepared: () => Promise<ExecutionArgs | readonly GraphQLError[]> = async () => ARGS) {
  const ctx = { acknowledged: true, subscriptions: Object.create(null) } as Ctx;
  const sent: Array<Record<string, unknown>> = [];
  const nexts: ExecutionArgs[] = [];
  const steps: ClaimedOperationSteps<Ctx> = {
    prepare: (_ctx, _id, payload) => (payload.query.includes('newMessage') || payload.query.includes('sendMessage') ? prepared : undefined),
    subscribe: () => answer(),
    send: (_ctx, message) => void sent.push(JSON.parse(message)),
    onNext: (args) => void nexts.push(args),
  };
  return { ctx, sent, nexts, claim: createClaimedOperations(steps) };
}

/** A drained subscription as shared-subscriptions answers it: yields nothing, settles when the stream does. */
function drained() {
  const stream = createEventStream<never>();
  const finished = stream.drain({ accept: () => {} }).then(() => ({ done: true as const, value: undefined }));
  finished.catch(() => {});
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () => finished,
    return: async () => {
      await stream.return();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return { stream, iterator };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('subscribe messages beside graphql-ws', () => {
  it('leaves to graphql-ws what is not a subscribe message it takes, or comes too early, or reuses an id', () => {
    const { ctx, claim } = harness(async () => ({ data: null }));
    expect(claim(ctx, JSON.stringify({ type: 'ping' }))).toBeUndefined();
    expect(claim(ctx, '{"type":"subscribe","subscription"')).toBeUndefined();
    expect(claim(ctx, SUBSCRIBE('q', 'query { me { id } }'))).toBeUndefined();
    expect(claim(ctx, SUBSCRIBE('n', 'subscription { notification { id } }'))).toBeUndefined();
    ctx.subscriptions.taken = null;
    expect(claim(ctx, SUBSCRIBE('taken'))).toBeUndefined();
    (ctx as { acknowledged: boolean }).acknowledged = false;
    expect(claim(ctx, SUBSCRIBE('early'))).toBeUndefined();
    expect(Object.keys(ctx.subscriptions)).toEqual(['taken']);
  });

  it('holds the subscription in ctx.subscriptions while it runs and completes it when its stream ends', async () => {
    const { stream, iterator } = drained();
    const { ctx, sent, claim } = harness(async () => iterator);
    const handled = claim(ctx, SUBSCRIBE('s'));
    expect(handled).toBeInstanceOf(Promise);
    // Reserved at once, as graphql-ws reserves it: a second subscribe with the id is refused.
    expect('s' in ctx.subscriptions).toBe(true);
    await handled;
    expect(ctx.subscriptions.s).toBe(iterator);
    stream.end();
    await settle();
    expect(sent).toEqual([{ id: 's', type: 'complete' }]);
    expect('s' in ctx.subscriptions).toBe(false);
  });

  it('sends nothing more once the client completed, whether before or after subscribing finished', async () => {
    const running = drained();
    const { ctx, sent, claim } = harness(async () => running.iterator);
    await claim(ctx, SUBSCRIBE('s'));
    // graphql-ws's complete handling: drop the entry and return the iterator.
    const entry = ctx.subscriptions.s as AsyncIterableIterator<ExecutionResult>;
    delete ctx.subscriptions.s;
    await entry.return!();
    await settle();
    expect(sent).toEqual([]);

    const late = drained();
    const early = harness(async () => late.iterator);
    const handled = early.claim(early.ctx, SUBSCRIBE('t'));
    delete early.ctx.subscriptions.t;
    await handled;
    expect(late.stream.closed).toBe(true);
    expect(early.sent).toEqual([]);
  });

  it('answers errors that stop a subscription with an error message, and a refused subscribe with next and complete', async () => {
    const invalid = harness(async () => ({ data: null }), async () => [new GraphQLError('Cannot query field "nope".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    await invalid.claim(invalid.ctx, SUBSCRIBE('v'));
    expect(invalid.sent).toEqual([{ id: 'v', type: 'error', payload: [{ message: 'Cannot query field "nope".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }]);
    expect('v' in invalid.ctx.subscriptions).toBe(false);

    const forbidden = harness(async () => ({ errors: [new GraphQLError('You are not a member of this group.', { extensions: { code: 'FORBIDDEN' } })], data: null }));
    await forbidden.claim(forbidden.ctx, SUBSCRIBE('f'));
    expect(forbidden.sent).toEqual([
      { id: 'f', type: 'next', payload: { data: null, errors: [{ message: 'You are not a member of this group.', extensions: { code: 'FORBIDDEN' } }] } },
      { id: 'f', type: 'complete' },
    ]);
    expect(forbidden.nexts).toEqual([ARGS]);
    expect('f' in forbidden.ctx.subscriptions).toBe(false);
  });

  it('reports a stream that fails as graphql-ws does, extensions kept', async () => {
    const { stream, iterator } = drained();
    const { ctx, sent, claim } = harness(async () => iterator);
    await claim(ctx, SUBSCRIBE('s'));
    stream.fail(new GraphQLError('The subscriber fell too far behind.', { extensions: { code: 'UNAVAILABLE' } }));
    await settle();
    expect(sent).toEqual([{ id: 's', type: 'error', payload: [{ message: 'The subscriber fell too far behind.', extensions: { code: 'UNAVAILABLE' } }] }]);
    expect('s' in ctx.subscriptions).toBe(false);
  });

  it('answers a mutation with next and complete, and frees its id', async () => {
    const { ctx, sent, nexts, claim } = harness(async () => ({ data: { sendMessage: { message: { id: 'm1' } } } }));
    const handled = claim(ctx, SUBSCRIBE('send', 'mutation { sendMessage(input: { groupId: "g", content: "hi" }) { message { id } } }'));
    expect('send' in ctx.subscriptions).toBe(true);
    await handled;
    expect(sent).toEqual([
      { id: 'send', type: 'next', payload: { data: { sendMessage: { message: { id: 'm1' } } } } },
      { id: 'send', type: 'complete' },
    ]);
    expect(nexts).toEqual([ARGS]);
    expect('send' in ctx.subscriptions).toBe(false);
  });

  it('sends nothing for a mutation the client completed before its answer', async () => {
    let answer!: (result: ExecutionResult) => void;
    const { ctx, sent, nexts, claim } = harness(() => new Promise((resolve) => (answer = resolve)));
    const handled = claim(ctx, SUBSCRIBE('send', 'mutation { sendMessage(input: { groupId: "g", content: "hi" }) { message { id } } }'));
    await settle();
    delete ctx.subscriptions.send;
    answer({ data: { sendMessage: null } });
    await handled;
    expect(sent).toEqual([]);
    expect(nexts).toEqual([]);
  });

  it('lets a failure while subscribing reach the caller and frees the id', async () => {
    const { ctx, claim } = harness(async () => {
      throw new Error('broken');
    });
    await expect(claim(ctx, SUBSCRIBE('s'))).rejects.toThrow('broken');
    expect('s' in ctx.subscriptions).toBe(false);
  });
});
