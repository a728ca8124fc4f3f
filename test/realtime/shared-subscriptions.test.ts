import { GraphQLObjectType, GraphQLSchema, GraphQLString, execute, parse, type ExecutionArgs } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createEventStream, type EventStream } from '../../src/realtime/event-stream.js';
import { SHARED_EXECUTION, createSharedSubscriptions } from '../../src/realtime/shared-subscriptions.js';

interface Said {
  text: string;
}

/** A schema with one shared subscription field, a stream per subscriber, and a count of executions. */
function sharedSetup() {
  const streams: EventStream<Said>[] = [];
  const executed: unknown[] = [];
  const Message = new GraphQLObjectType({ name: 'Message', fields: { text: { type: GraphQLString } } });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        said: {
          type: Message,
          extensions: { [SHARED_EXECUTION]: true },
          subscribe: () => {
            const stream = createEventStream<Said>();
            streams.push(stream);
            return stream;
          },
          resolve: (event: Said) => event,
        },
      },
    }),
  });
  const shared = createSharedSubscriptions((args) => {
    executed.push(args.rootValue);
    return execute(args);
  });
  const documents = [parse('subscription { said { text } }'), parse('subscription Said { said { text } }')];
  /** `count` subscribers, taking the documents in turn when `alternate` is set. */
  const subscribe = async (count: number, alternate = false) => {
    const delivered: string[][] = [];
    for (let i = 0; i < count; i++) {
      const payloads: string[] = [];
      delivered.push(payloads);
      const args: ExecutionArgs = { schema, document: documents[alternate ? i % 2 : 0]! };
      await shared.subscribeDirect(args, () => ({ deliver: (json) => void payloads.push(String(json)) }));
    }
    return delivered;
  };
  const pushToAll = (event: Said) => {
    for (const stream of streams) stream.push(event);
  };
  return { executed, subscribe, pushToAll };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('shared subscription outcomes', () => {
  it('executes an event once for every subscriber it reaches in one dispatch, and each event of a turn on its own', async () => {
    const { executed, subscribe, pushToAll } = sharedSetup();
    const delivered = await subscribe(3);
    const first = { text: 'first' };
    const second = { text: 'second' };

    pushToAll(first);
    pushToAll(second);

    expect(executed).toEqual([first, second]);
    for (const payloads of delivered) {
      expect(payloads.map((json) => JSON.parse(json))).toEqual([{ data: { said: { text: 'first' } } }, { data: { said: { text: 'second' } } }]);
    }
  });

  it('executes an event once per operation when the subscribers of two operations take turns in the dispatch', async () => {
    const { executed, subscribe, pushToAll } = sharedSetup();
    const delivered = await subscribe(4, true);
    const first = { text: 'first' };
    const second = { text: 'second' };

    pushToAll(first);
    pushToAll(second);

    expect(executed).toEqual([first, first, second, second]);
    for (const payloads of delivered) expect(payloads.map((json) => JSON.parse(json).data.said.text)).toEqual(['first', 'second']);
  });

  it('keeps nothing past the turn: the same event delivered again later is executed again', async () => {
    const { executed, subscribe, pushToAll } = sharedSetup();
    const delivered = await subscribe(2);
    const event = { text: 'again' };

    pushToAll(event);
    await nextTurn();
    event.text = 'changed';
    pushToAll(event);

    expect(executed).toEqual([event, event]);
    for (const payloads of delivered) {
      expect(payloads.map((json) => JSON.parse(json).data.said.text)).toEqual(['again', 'changed']);
    }
  });
});
