import { GraphQLError, GraphQLScalarType } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

/**
 * graphql-scalars' DateTime, answering the ISO 8601 string itself where graphql-scalars answers a
 * Date for the response's `JSON.stringify` to convert: a Date in a result makes V8 call its
 * `toJSON` from the serialiser, which doubles the cost of serialising a message. Resolvers hand
 * out epoch milliseconds or Dates; inputs parse exactly as graphql-scalars parses them.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize(value: unknown): string {
    if (typeof value === 'number') return isoString(new Date(value), () => `DateTime cannot represent an invalid Unix timestamp ${value}`);
    if (value instanceof Date) return isoString(value, () => 'DateTime cannot represent an invalid Date instance');
    // A string is checked and normalised by graphql-scalars; anything else is refused there.
    return isoString(DateTimeResolver.serialize(value) as Date, () => `DateTime cannot represent ${String(value)}`);
  },
});

function isoString(date: Date, invalid: () => string): string {
  if (Number.isNaN(date.getTime())) throw new GraphQLError(invalid());
  return date.toISOString();
}
