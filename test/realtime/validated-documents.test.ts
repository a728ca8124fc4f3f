import { buildSchema, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isErrors, ValidatedDocuments, type DocumentPipeline } from '../../src/realtime/validated-documents.js';

const schema = buildSchema('type Query { hello: String, world: String }');

/** graphql-js parse and validation, counting their calls. */
function counted(validateFn: DocumentPipeline['validate'] = validate) {
  const parsed: string[] = [];
  const validated: DocumentNode[] = [];
  const pipeline: DocumentPipeline = {
    schema,
    parse(source) {
      parsed.push(source);
      return parse(source);
    },
    validate(s: GraphQLSchema, document: DocumentNode) {
      validated.push(document);
      return validateFn(s, document);
    },
  };
  return { parsed, validated, pipeline };
}

const messagesOf = (found: DocumentNode | readonly GraphQLError[]) => (isErrors(found) ? found.map((error) => error.message) : []);

describe('validated documents', () => {
  it('parses and validates a text that passed once, however often it is sent, and answers the same document', () => {
    const { parsed, validated, pipeline } = counted();
    const documents = new ValidatedDocuments(pipeline);
    const first = documents.documentOf('{ hello }');
    expect(isErrors(first)).toBe(false);
    for (let i = 0; i < 3; i++) expect(documents.documentOf('{ hello }')).toBe(first);
    expect(parsed).toEqual(['{ hello }']);
    expect(validated).toEqual([first]);
  });

  it('answers a failing text its errors every time, parsing and validating it again each time', () => {
    const { parsed, validated, pipeline } = counted();
    const documents = new ValidatedDocuments(pipeline);
    for (let i = 0; i < 2; i++) expect(messagesOf(documents.documentOf('{ nope }'))).toEqual(['Cannot query field "nope" on type "Query".']);
    expect(parsed).toHaveLength(2);
    expect(validated).toHaveLength(2);
  });

  it('answers a syntax error as the only error, without validating', () => {
    const { validated, pipeline } = counted();
    const documents = new ValidatedDocuments(pipeline);
    expect(messagesOf(documents.documentOf('{ hello'))).toEqual(['Syntax Error: Expected Name, found <EOF>.']);
    expect(validated).toEqual([]);
  });

  it('answers what the validation throws as its only error, and does not remember the text', () => {
    const refusal = new GraphQLError('Too deep.');
    let throws = true;
    const { pipeline } = counted(() => {
      if (throws) throw refusal;
      return [];
    });
    const documents = new ValidatedDocuments(pipeline);
    expect(documents.documentOf('{ hello }')).toEqual([refusal]);
    throws = false;
    expect(isErrors(documents.documentOf('{ hello }'))).toBe(false);
  });

  it('forgets the oldest text once it holds as many as it may', () => {
    const { parsed, pipeline } = counted();
    const documents = new ValidatedDocuments(pipeline, 2);
    for (const text of ['{ hello }', '{ world }', '{ hello world }', '{ world }', '{ hello }']) documents.documentOf(text);
    expect(parsed).toEqual(['{ hello }', '{ world }', '{ hello world }', '{ hello }']);
  });

  it('does not remember a text longer than it may hold, and answers its document all the same', () => {
    const { parsed, pipeline } = counted();
    const documents = new ValidatedDocuments(pipeline, 10, 12);
    const long = '{ hello world }';
    for (let i = 0; i < 2; i++) expect(isErrors(documents.documentOf(long))).toBe(false);
    documents.documentOf('{ hello }');
    documents.documentOf('{ hello }');
    expect(parsed).toEqual([long, long, '{ hello }']);
  });
});
