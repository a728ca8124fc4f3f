import { GraphQLError } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { describe, expect, it } from 'vitest';
import { DateTimeScalar } from '../../src/schema/date-time.js';

/** What graphql-scalars' DateTime puts in a response, once JSON has converted its Date. */
const asGraphqlScalarsSends = (value: unknown) => JSON.parse(JSON.stringify(DateTimeResolver.serialize(value)));

describe('DateTime', () => {
  it('answers the ISO 8601 string graphql-scalars sends, from epoch milliseconds, a Date or a date-time string', () => {
    const ms = Date.UTC(2026, 11, 2, 9, 30, 15, 123);
    for (const value of [ms, new Date(ms), '2026-12-02T10:30:15.123+01:00', '2026-12-02T09:30:15Z']) {
      const sent = DateTimeScalar.serialize(value);
      expect(typeof sent).toBe('string');
      expect(sent).toBe(asGraphqlScalarsSends(value));
    }
    expect(DateTimeScalar.serialize(ms)).toBe('2026-12-02T09:30:15.123Z');
  });

  it('refuses what is not a date with a GraphQL error', () => {
    for (const value of [Number.NaN, new Date('not a date'), 'yesterday', { at: 1 }, true]) {
      expect(() => DateTimeScalar.serialize(value)).toThrow(GraphQLError);
    }
    expect(() => DateTimeScalar.serialize(Number.NaN)).toThrow('DateTime cannot represent an invalid Unix timestamp NaN');
  });

  it('parses inputs and keeps the name, description and specification of graphql-scalars', () => {
    expect(DateTimeScalar.parseValue('2026-12-02T09:30:15Z')).toEqual(DateTimeResolver.parseValue('2026-12-02T09:30:15Z'));
    expect(() => DateTimeScalar.parseValue('soon')).toThrow(GraphQLError);
    expect(DateTimeScalar.name).toBe('DateTime');
    expect(DateTimeScalar.description).toBe(DateTimeResolver.description);
    expect(DateTimeScalar.specifiedByURL).toBe(DateTimeResolver.specifiedByURL);
  });
});
