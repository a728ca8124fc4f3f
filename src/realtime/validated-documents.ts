import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';

/** The pipeline's validation: the errors it finds; it may also throw one. */
export type ValidateFn = (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];

/**
 * Remembers the parsed documents that passed validation, so that an operation sent again and
 * again (every sendMessage over a socket) is validated once. Yoga caches validation results too,
 * but finds them by a key it builds on every call from the names of all the validation rules,
 * which costs more than the rest of the lookup. Like yoga's cache this assumes what holds here:
 * the rules depend on the schema and the document only, not on who sends it. Documents are the
 * objects yoga's parse cache hands out, so each query text is one document while it stays cached;
 * a document that failed is validated again each time it is sent.
 */
export class ValidatedDocuments {
  private readonly valid = new WeakMap<GraphQLSchema, WeakSet<DocumentNode>>();

  /** The document's validation errors, none without asking `validate` again once it has passed; an error `validate` throws is answered as the only one. */
  errorsOf(schema: GraphQLSchema, document: DocumentNode, validate: ValidateFn): readonly GraphQLError[] {
    let valid = this.valid.get(schema);
    if (valid?.has(document)) return [];
    let errors: readonly GraphQLError[];
    try {
      errors = validate(schema, document);
    } catch (error) {
      return [error as GraphQLError];
    }
    if (errors.length === 0) {
      if (!valid) this.valid.set(schema, (valid = new WeakSet()));
      valid.add(document);
    }
    return errors;
  }
}
