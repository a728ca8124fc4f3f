import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './user.js';
import './group.js';
import './message.js';
import './notification.js';
import './presence.js';

export const schema: GraphQLSchema = builder.toSchema();

/** The SDL committed as schema/schema.graphql: sorted, so diffs show real changes only. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
