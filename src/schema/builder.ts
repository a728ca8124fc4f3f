import SchemaBuilder from '@pothos/core';
import type { GraphQLContext } from '../context.js';
import { DateTimeScalar } from './date-time.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    /** Resolvers hand out epoch milliseconds (or Dates); clients see ISO 8601 strings. */
    DateTime: { Input: Date; Output: Date | number };
  };
}>({
  defaultFieldNullability: false,
});

builder.addScalarType('DateTime', DateTimeScalar);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
