import { GraphQLError, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompiledExecution } from '../../src/compiled-execution.js';
import { loadConfig } from '../../src/config.js';
import { createSharedSubscriptions } from '../../src/realtime/shared-subscriptions.js';
import { createSocketExecution } from '../../src/realtime/socket-execution.js';
import { createGraphQLHandler } from '../../src/server.js';
import { createServices, type Services } from '../../src/services.js';

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      hello: { type: GraphQLString, resolve: () => 'hello' },
      later: { type: GraphQLString, resolve: () => Promise.resolve('later') },
      refused: {
        type: GraphQLString,
        resolve: () => {
          throw new GraphQLError('Not yours.', { extensions: { code: 'FORBIDDEN' } });
        },
      },
      broken: {
        type: GraphQLString,
        resolve: () => Promise.reject(new Error('password=hunter2')),
      },
    },
  }),
});

function execution() {
  const counted: string[] = [];
  const execute = createSocketExecution(createCompiledExecution(), (errors) => counted.push(...(errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL'))));
  const run = (query: string) => execute({ schema, document: parse(query) });
  return { counted, run };
}

describe('socket execution', () => {
  it('answers a result without errors as it is, counting nothing', async () => {
    const { counted, run } = execution();
    expect(run('{ hello }')).toEqual({ data: { hello: 'hello' } });
    expect(await run('{ later }')).toEqual({ data: { later: 'later' } });
    expect(counted).toEqual([]);
  });

  it('answers an error raised on purpose with its code, and counts it', async () => {
    const { counted, run } = execution();
    const result = await run('{ hello refused }');
    expect(result.data).toEqual({ hello: 'hello', refused: null });
    expect(result.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([['Not yours.', 'FORBIDDEN']]);
    expect(counted).toEqual(['FORBIDDEN']);
  });

  it('masks an unexpected error as yoga does, and counts it as INTERNAL', async () => {
    const { counted, run } = execution();
    const result = await run('{ broken }');
    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect(result.errors?.map((error) => [error.message, error.path])).toEqual([['Unexpected error.', ['broken']]]);
    expect(counted).toEqual(['INTERNAL']);
  });
});

describe("the gateway's pipeline", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createServices(loadConfig({}), pino({ level: 'silent' }));
  });
  afterAll(() => services.close());

  it('has no execute or context hooks beyond those socket execution does the work of', () => {
    const executeOperation = createCompiledExecution();
    const yoga = createGraphQLHandler(loadConfig({}), services, createSharedSubscriptions(executeOperation), executeOperation);
    // The list yoga runs, its own plugins included (a protected field: yoga.getEnveloped is a bound copy without its `_plugins`).
    const plugins = (yoga as unknown as { plugins: unknown[] }).plugins;
    const hooked = plugins.filter((plugin) => typeof plugin === 'object' && plugin !== null && ('onExecute' in plugin || 'onContextBuilding' in plugin));
    // yoga's engine (execute replaced by the compiled one) and its `context` (createGraphQLContext),
    // the error metrics, the compiled execution and yoga's masking. A plugin added with either
    // hook is skipped by sockets' queries and mutations until createSocketExecution does its work.
    expect(hooked).toHaveLength(5);
  });
});
