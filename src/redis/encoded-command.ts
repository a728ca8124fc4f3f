import { Command } from 'ioredis';

const CR = 0x0d;
const LF = 0x0a;

/**
 * A command whose request bytes were encoded up front, in one buffer, by `encodeCommand`: ioredis
 * writes them as they are. Its own commands build the request as a string, a few concatenations
 * per argument, which the socket then flattens and encodes again: for a script with a dozen
 * arguments sent for every message, that was most of what a send allocated on the way to Redis.
 * Replies are decoded as UTF-8, as ioredis's own commands decode them.
 */
export class EncodedCommand extends Command {
  constructor(
    name: string,
    private readonly encoded: Buffer,
  ) {
    super(name, [], { replyEncoding: 'utf8' });
  }

  override toWritable(): Buffer {
    return this.encoded;
  }
}

/** `args` (the command's name first) as a RESP array of bulk strings, in one allocation. */
export function encodeCommand(args: readonly string[]): Buffer {
  const byteLengths = new Array<number>(args.length);
  let length = 1 + digitCount(args.length) + 2;
  for (let i = 0; i < args.length; i++) {
    const byteLength = Buffer.byteLength(args[i]!);
    byteLengths[i] = byteLength;
    length += 1 + digitCount(byteLength) + 2 + byteLength + 2;
  }
  const request = Buffer.allocUnsafe(length);
  request[0] = 0x2a; // '*'
  let offset = writeDigits(request, 1, args.length);
  for (let i = 0; i < args.length; i++) {
    request[offset++] = 0x24; // '$'
    offset = writeDigits(request, offset, byteLengths[i]!);
    offset += request.write(args[i]!, offset);
    request[offset++] = CR;
    request[offset++] = LF;
  }
  return request;
}

function digitCount(value: number): number {
  let count = 1;
  while (value >= 10) {
    value = Math.floor(value / 10);
    count++;
  }
  return count;
}

/** Writes `value` in decimal followed by CRLF; answers the offset after them. */
function writeDigits(target: Buffer, offset: number, value: number): number {
  const end = offset + digitCount(value);
  for (let at = end - 1; at >= offset; at--) {
    target[at] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  target[end] = CR;
  target[end + 1] = LF;
  return end + 2;
}
