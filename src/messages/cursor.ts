import { badUserInput } from '../errors.js';

/** A position in a group's message sequence, as clients hold it. */
export interface MessagePosition {
  groupId: string;
  seq: number;
  /** When the message was created (epoch ms): orders messages of different groups on resume. */
  createdAt: number;
}

const VERSION = 'm1';

/** Cursors are opaque to clients: base64url of a versioned, colon-separated position. */
export function encodeCursor(position: MessagePosition): string {
  return Buffer.from(`${VERSION}:${position.groupId}:${position.seq}:${position.createdAt}`).toString('base64url');
}

export function decodeCursor(cursor: string, argument = 'after'): MessagePosition {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const [version, groupId, seq, createdAt] = parts;
  const position = { groupId: groupId ?? '', seq: Number(seq), createdAt: Number(createdAt) };
  if (
    parts.length !== 4 ||
    version !== VERSION ||
    !position.groupId ||
    !Number.isSafeInteger(position.seq) ||
    position.seq < 0 ||
    !Number.isSafeInteger(position.createdAt)
  ) {
    throw badUserInput(`"${argument}" is not a cursor this API issued; use Message.cursor.`, argument);
  }
  return position;
}

/** Most cursors one `after` may list: one per group the viewer follows. */
export const MAX_CURSORS = 1000;

/**
 * Decodes `after` as one cursor or a comma-separated list of them (the latest of each group, for
 * the all-groups subscription). A group listed twice keeps its furthest position.
 */
export function decodeCursorList(value: string, argument = 'after'): MessagePosition[] {
  const parts = value.split(',').map((part) => part.trim());
  if (parts.length > MAX_CURSORS) throw badUserInput(`"${argument}" lists more than ${MAX_CURSORS} cursors.`, argument);
  const byGroup = new Map<string, MessagePosition>();
  for (const part of parts) {
    const position = decodeCursor(part, argument);
    const known = byGroup.get(position.groupId);
    if (!known || known.seq < position.seq) byGroup.set(position.groupId, position);
  }
  return [...byGroup.values()];
}
