import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';

const GENERATED_DIR = 'client/generated';

describe('generated client documents', () => {
  it('match what codegen produces from the committed schema and operations', async () => {
    // Without saving: the files are compared, never rewritten, so a stale checkout fails here.
    // Its declared result includes `any` for watch mode, which this call does not use.
    const outputs: Array<{ filename: string; content: string }> = await generate({ ...config, silent: true }, false);
    expect(outputs.length).toBeGreaterThan(0);

    const expected = new Map(outputs.map((output) => [join(output.filename), output.content]));
    const committed = (await readdir(GENERATED_DIR)).map((name) => join(GENERATED_DIR, name));
    expect(committed.sort(), 'files in client/generated; run `npm run generate:client`').toEqual([...expected.keys()].sort());

    for (const [filename, content] of expected) {
      expect(await readFile(filename, 'utf8'), `${filename} is stale; run \`npm run generate:client\``).toBe(content);
    }
  });
});
