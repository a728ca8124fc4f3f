/**
 * Readers of the raw replies of the stream commands, which ioredis hands back untyped. Each reply
 * shape is documented at https://redis.io/commands/ for the command named.
 */

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** One entry as XRANGE, XCLAIM and XREADGROUP give it: `[id, [field, value, …]]`. */
export function parseEntry(raw: unknown): StreamEntry | undefined {
  // XCLAIM and XREADGROUP answer nil in place of an entry that was deleted while pending.
  if (!Array.isArray(raw) || raw[1] == null) return undefined;
  const [id, flat] = raw as [string, string[]];
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return { id, fields };
}

export function parseEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.map(parseEntry).filter((entry): entry is StreamEntry => entry !== undefined);
}

/** XREADGROUP on one stream: `[[key, entries]]`, or nil when the block timed out. */
export function parseReadGroup(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw) || raw.length === 0) return [];
  return parseEntries((raw[0] as [string, unknown])[1]);
}

export interface PendingEntry {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

/** XPENDING's extended form: `[[id, consumer, idle, deliveries], …]`. */
export function parsePendingEntries(raw: unknown): PendingEntry[] {
  if (!Array.isArray(raw)) return [];
  return (raw as Array<[string, string, number, number]>).map(([id, consumer, idleMs, deliveries]) => ({
    id,
    consumer,
    idleMs: Number(idleMs),
    deliveries: Number(deliveries),
  }));
}

/** XPENDING's summary form: `[count, smallest id, greatest id, consumers]`. */
export function parsePendingSummary(raw: unknown): { count: number; smallestId: string | null } {
  if (!Array.isArray(raw)) return { count: 0, smallestId: null };
  return { count: Number(raw[0] ?? 0), smallestId: (raw[1] as string | null) ?? null };
}

/** XINFO GROUPS / XINFO CONSUMERS: a list of flat `[name, value, …]` arrays. */
export function parseInfoList(raw: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(raw)) return [];
  return raw.map((flat: unknown[]) => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1];
    return record;
  });
}

/** Orders stream ids (`ms-seq`) numerically; string order breaks when the parts differ in length. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bMs, bSeq] = b.split('-').map(BigInt) as [bigint, bigint];
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}
