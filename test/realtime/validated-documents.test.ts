import { buildSchema, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ValidatedDocuments } from '../../src/realtime/validated-documents.js';

const schema = buildSchema('type Query { hello: String }');

/** graphql-js validation, counting its calls. */
function counted() {
  const calls: DocumentNode[] = [];
  const fn = (s: GraphQLSchema, document: DocumentNode) => {
    calls.push(document);
    return validate(s, document);
  };
  return { calls, fn };
}

describe('validated documents', () => {
  it('validates a document that passed once, however often it is sent', () => {
    const documents = new ValidatedDocuments();
    const validation = counted();
    const document = parse('{ hello }');
    for (let i = 0; i < 3; i++) expect(documents.errorsOf(schema, document, validation.fn)).toEqual([]);
    expect(validation.calls).toEqual([document]);
  });

  it('validates a failing document every time, and answers its errors every time', () => {
    const documents = new ValidatedDocuments();
    const validation = counted();
    const document = parse('{ nope }');
    for (let i = 0; i < 2; i++) {
      const errors = documents.errorsOf(schema, document, validation.fn);
      expect(errors.map((error) => error.message)).toEqual(['Cannot query field "nope" on type "Query".']);
    }
    expect(validation.calls).toHaveLength(2);
  });

  it('answers what the validation throws as its only error, and does not remember the document', () => {
    const documents = new ValidatedDocuments();
    const document = parse('{ hello }');
    const refusal = new GraphQLError('Too deep.');
    let throws = true;
    const fn = () => {
      if (throws) throw refusal;
      return [];
    };
    expect(documents.errorsOf(schema, document, fn)).toEqual([refusal]);
    throws = false;
    expect(documents.errorsOf(schema, document, fn)).toEqual([]);
  });

  it('keeps what passed under one schema apart from another schema and from another parse of the same text', () => {
    const documents = new ValidatedDocuments();
    const validation = counted();
    const other = buildSchema('type Query { hello: String, world: String }');
    const document = parse('{ hello }');
    documents.errorsOf(schema, document, validation.fn);
    documents.errorsOf(other, document, validation.fn);
    documents.errorsOf(schema, parse('{ hello }'), validation.fn);
    expect(validation.calls).toHaveLength(3);
  });
});
