import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed document nodes for the client, from the committed SDL and client/operations.
 * `npm run generate:client` writes them; test/client checks the committed output is fresh.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['client/operations/*.graphql'],
  // NodeNext resolution needs the extension on relative imports.
  importExtension: '.js',
  generates: {
    'client/generated/': {
      preset: 'client',
      presetConfig: {
        // Plain data is easier to pass around than masked fragments in a chat client.
        fragmentMasking: false,
      },
      config: {
        // The tsconfig's verbatimModuleSyntax rejects plain imports of types.
        useTypeImports: true,
        // A scalar added to the schema must be mapped here rather than silently typed `any`.
        strictScalars: true,
        scalars: {
          ID: 'string',
          DateTime: 'string',
        },
      },
    },
  },
};

export default config;
