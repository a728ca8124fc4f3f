import type { ChildProcess } from 'node:child_process';
import type { ChildRegistry } from '../process/child-registry.js';
import { freePort, waitForHttp } from '../process/free-port.js';
import type { Instance } from './system.js';

/** Starts a Node server script on a free port and waits until `readyPath` answers 200. */
export async function startNodeServer(
  registry: ChildRegistry,
  name: string,
  script: string,
  env: Record<string, string>,
  readyPath: string,
  timeoutMs = 60_000,
): Promise<Instance> {
  const port = await freePort();
  const child: ChildProcess = registry.startNode(name, script, { ...env, PORT: String(port) });
  try {
    await waitForHttp(`http://127.0.0.1:${port}${readyPath}`, timeoutMs, () => child.exitCode !== null);
  } catch (error) {
    await registry.stop(child, 1000);
    throw new Error(`${name} did not start (see ${registry.logDir}/${name}.log): ${(error as Error).message}`);
  }
  return { child, wsUrl: `ws://127.0.0.1:${port}/graphql`, httpUrl: `http://127.0.0.1:${port}/graphql` };
}
