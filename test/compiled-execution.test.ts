import { GraphQLID, GraphQLNonNull, type GraphQLNullableType, GraphQLObjectType, GraphQLSchema, GraphQLString, execute, parse, type ExecutionArgs } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { createCompiledExecution } from '../src/compiled-execution.js';
import { schema as gatewaySchema } from '../src/schema/index.js';

const nonNull = <T extends GraphQLNullableType>(type: T) => new GraphQLNonNull(type);
const User = new GraphQLObjectType<{ id: string; name: string }>({
  name: 'User',
  fields: {
    id: { type: nonNull(GraphQLID) },
    name: { type: nonNull(GraphQLString), resolve: (user) => Promise.resolve(user.name) },
    broken: { type: nonNull(GraphQLString), resolve: () => null },
  },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      greeting: { type: nonNull(GraphQLString), args: { name: { type: nonNull(GraphQLString) } }, resolve: (_root, { name }) => `hello ${name}` },
      failing: {
        type: GraphQLString,
        resolve: () => {
          throw new Error('nope');
        },
      },
      user: { type: nonNull(User), resolve: () => ({ id: 'u1', name: 'Ada' }) },
    },
  }),
});
const rootValue = {};

/** Results as a client sees them: JSON. */
const json = async (result: unknown) => JSON.parse(JSON.stringify(await result));

describe('createCompiledExecution', () => {
  const cases: Array<[string, string, Record<string, unknown>?]> = [
    ['arguments from variables', 'query($n: String!) { greeting(name: $n) }', { n: 'Grace' }],
    ['a resolver error, with its path', '{ failing greeting(name: "x") }'],
    ['a null in a non-null field nulls its parent', '{ user { id broken } }'],
    ['a promise below a synchronous field', '{ user { id name } }'],
  ];
  for (const [what, source, variableValues] of cases) {
    it(`answers as graphql-js does: ${what}`, async () => {
      const args: ExecutionArgs = { schema, document: parse(source), rootValue, variableValues };
      const compiled = await json(createCompiledExecution()(args));
      const expected = await json(execute(args));
      expect(compiled).toEqual(expected);
    });
  }

  it('refuses variables that do not coerce, naming the variable', async () => {
    const args: ExecutionArgs = { schema, document: parse('query($n: String!) { greeting(name: $n) }'), rootValue, variableValues: { n: 42 } };
    const compiled = await json(createCompiledExecution()(args));
    expect(compiled.data).toBeUndefined();
    expect(compiled.errors).toHaveLength(1);
    expect(compiled.errors[0].message).toMatch(/^Variable "\$n" got invalid value 42; .*String cannot represent a non string value: 42$/);
  });

  it('executes a subscription event of the gateway schema as graphql-js does', async () => {
    const message = {
      id: 'm1',
      groupId: 'g1',
      seq: 7,
      sender: { id: 'u1', name: 'Ada' },
      msgType: 'TEXT',
      content: 'hi',
      imageUrl: null,
      clientMessageId: 'c1',
      createdAt: Date.UTC(2026, 10, 23),
    };
    const document = parse('subscription($g: ID) { newMessage(groupId: $g) { id cursor msgType content createdAt sender { id name } } }');
    const args: ExecutionArgs = { schema: gatewaySchema, document, rootValue: message, contextValue: {}, variableValues: { g: 'g1' } };
    const compiled = await json(createCompiledExecution()(args));
    expect(compiled).toEqual(await json(execute(args)));
    expect(compiled.data.newMessage).toMatchObject({ id: 'm1', msgType: 'TEXT', createdAt: '2026-11-23T00:00:00.000Z', sender: { name: 'Ada' } });
  });

  it('runs what it cannot compile on graphql-js, and reports it once', async () => {
    const onCompileError = vi.fn();
    const run = createCompiledExecution(onCompileError);
    // Two operations and no name: graphql-jit refuses to compile, graphql-js answers with its error.
    const args: ExecutionArgs = { schema, document: parse('query A { greeting(name: "a") } query B { greeting(name: "b") }'), rootValue };
    for (let i = 0; i < 3; i++) expect(await json(run(args))).toEqual(await json(execute(args)));
    expect(onCompileError).toHaveBeenCalledTimes(1);
  });
});
