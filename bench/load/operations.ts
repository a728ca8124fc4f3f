/**
 * The GraphQL the load generator speaks, identical for every system: the same subscription
 * selection, the same mutation. Each system must answer both with the same shape.
 */

const MESSAGE_SELECTION = '{ id groupId cursor msgType content clientMessageId createdAt sender { id name } }';

export const NEW_MESSAGE_SUBSCRIPTION = `subscription NewMessage($groupId: ID) { newMessage(groupId: $groupId) ${MESSAGE_SELECTION} }`;

/** The same subscription resuming after a cursor: churn reconnects with it (the gateway only). */
export const NEW_MESSAGE_RESUME_SUBSCRIPTION = `subscription NewMessage($groupId: ID, $after: String) { newMessage(groupId: $groupId, after: $after) ${MESSAGE_SELECTION} }`;

/** The cursor of a delivered message, read from its frame without parsing it. */
export function cursorIn(frame: string): string | undefined {
  const start = frame.indexOf(CURSOR_MARK);
  if (start < 0) return undefined;
  const from = start + CURSOR_MARK.length;
  return frame.slice(from, frame.indexOf('"', from));
}

const CURSOR_MARK = '"cursor":"';

export const SEND_MESSAGE_MUTATION =
  'mutation SendMessage($input: SendMessageInput!) { sendMessage(input: $input) { clientMessageId message { id cursor createdAt } } }';

export const JOIN_GROUP_MUTATION = 'mutation JoinGroup($groupId: ID!) { joinGroup(groupId: $groupId) { id } }';

export const CREATE_GROUP_MUTATION = 'mutation CreateGroup($name: String!) { createGroup(name: $name) { id } }';

/**
 * A delivered message carries its step and send time in `content`, so the receiver measures
 * send-to-receipt without parsing JSON: `b|<step>|<sent µs>|<padding>`. The clocks agree because
 * every process reads the same machine's wall clock through performance.timeOrigin.
 */
export const CONTENT_MARK = '"content":"b|';

export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export function messageContent(step: number, sentMicros: number, padding: string): string {
  return `b|${step}|${sentMicros}|${padding}`;
}

/** Step and send time of a frame that contains CONTENT_MARK at `at`. */
export function parseContent(frame: string, at: number): { step: number; sentMicros: number } {
  const stepStart = at + CONTENT_MARK.length;
  const stepEnd = frame.indexOf('|', stepStart);
  const sentEnd = frame.indexOf('|', stepEnd + 1);
  return { step: Number(frame.slice(stepStart, stepEnd)), sentMicros: Number(frame.slice(stepEnd + 1, sentEnd)) };
}
