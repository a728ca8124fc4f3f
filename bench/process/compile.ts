import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Compiles the project with tsc into `outDir`, as the Dockerfile builds what is deployed: the
 * harness runs every server and load worker as compiled JavaScript, not through tsx, whose esbuild
 * transform keeps function names by redefining `name` on every function object it creates (a
 * property of its own on every closure, in every system alike, that no deployment carries).
 */
export async function compileProject(root: string, outDir: string): Promise<void> {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', outDir, '--noEmit', 'false'], { cwd: root, maxBuffer: 16 * 2 ** 20 });
  } catch (error) {
    const { stdout = '' } = error as { stdout?: string };
    throw new Error(`compiling the project failed:\n${stdout.slice(0, 4000)}`);
  }
}

/** Where a source file of the project lands in the compiled tree. */
export function compiledPath(outDir: string, source: string): string {
  return join(outDir, source.replace(/\.ts$/, '.js'));
}
