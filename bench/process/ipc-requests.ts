import type { ChildProcess } from 'node:child_process';

/**
 * Requests to child processes over their IPC channels, each answered by a reply carrying the same
 * `reqId`. A request fails when its child does not answer in time, and every pending request fails
 * when a child errs or exits.
 */
export class IpcRequests<Reply extends { reqId: number }> {
  private nextReqId = 0;
  private readonly waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();

  /** Starts hearing `child`'s replies; `exitError` tells what its exit does to the requests it leaves unanswered. */
  watch(child: ChildProcess, exitError: (code: number | null) => Error): void {
    child.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.reqId);
      if (!waiter) return;
      this.waiting.delete(reply.reqId);
      waiter.resolve(reply);
    });
    // A child that died cannot be written to: its pending and later requests fail.
    child.on('error', (error) => this.failAll(error));
    child.once('exit', (code) => this.failAll(exitError(code)));
  }

  /** Sends `message` with a fresh `reqId`; answers the reply. `unanswered` begins the error of a request that times out. */
  request(child: ChildProcess, message: object, timeoutMs: number, unanswered: string): Promise<Reply> {
    const reqId = ++this.nextReqId;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(reqId);
        reject(new Error(`${unanswered} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(reqId, {
        resolve: (reply) => (clearTimeout(timer), resolve(reply)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      child.send({ ...message, reqId });
    });
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
