import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';

/** The pipeline's validation: the errors it finds; it may also throw one. */
export type ValidateFn = (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];

/** The parts of the envelop pipeline that turn a query text into a document fit to run. */
export interface DocumentPipeline {
  schema: GraphQLSchema;
  /** Throws the syntax error of a text that does not parse. */
  parse(source: string): DocumentNode;
  validate: ValidateFn;
}

/** As many query texts as yoga's own parse cache holds. */
const DEFAULT_MAX_ENTRIES = 1000;
/**
 * Longer texts are not remembered here (yoga's parse cache still holds them), so that what this
 * holds stays small whatever clients send: the operations an app sends again and again are short.
 */
const DEFAULT_MAX_TEXT_LENGTH = 16 * 1024;

/**
 * The documents that passed validation, by their query text, so that an operation sent again and
 * again (every sendMessage over a socket) is parsed and validated once. Yoga caches both too, but
 * reaching its caches goes through the pipeline's hooks on every call, and its validation cache
 * builds its key from the names of all the validation rules each time; together that cost more
 * than the lookup. Like yoga's caches this assumes what holds here: the rules depend on the schema
 * and the document only, not on who sends it. The documents are the ones the pipeline's parse
 * (yoga's cache) hands out, so each text is one document object. A text that fails is parsed and
 * validated again each time it is sent. The oldest text is forgotten first once there are
 * `maxEntries`; a text longer than `maxTextLength` goes through the pipeline every time.
 */
export class ValidatedDocuments {
  private readonly valid = new Map<string, DocumentNode>();

  constructor(
    private readonly pipeline: DocumentPipeline,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
    private readonly maxTextLength = DEFAULT_MAX_TEXT_LENGTH,
  ) {}

  /** The query's document, or the errors parsing or validating it found (an error either throws is answered as the only one). */
  documentOf(query: string): DocumentNode | readonly GraphQLError[] {
    const known = this.valid.get(query);
    if (known) return known;
    let document: DocumentNode;
    let errors: readonly GraphQLError[];
    try {
      document = this.pipeline.parse(query);
      errors = this.pipeline.validate(this.pipeline.schema, document);
    } catch (error) {
      return [error as GraphQLError];
    }
    if (errors.length > 0) return errors;
    if (query.length > this.maxTextLength) return document;
    this.valid.set(query, document);
    if (this.valid.size > this.maxEntries) this.valid.delete(this.valid.keys().next().value as string);
    return document;
  }
}

/** Whether what came back (from `documentOf`, or an operation's preparation) is errors. */
export function isErrors<T extends object>(found: T | readonly GraphQLError[]): found is readonly GraphQLError[] {
  return Array.isArray(found);
}
