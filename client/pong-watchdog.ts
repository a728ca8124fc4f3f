import type { Client } from 'graphql-ws';

/**
 * Terminates the socket when a keep-alive ping goes unanswered. graphql-ws only sends the pings;
 * without this a connection lost without a close (a phone changing networks) would look open
 * forever. Terminating counts as a drop, so the client reconnects. Returns a function that stops
 * watching.
 */
export function watchPongs(client: Client, timeoutMs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const clear = () => clearTimeout(timer);
  const stops = [
    client.on('ping', (received) => {
      if (received) return;
      clear();
      timer = setTimeout(() => client.terminate(), timeoutMs);
    }),
    client.on('pong', (received) => {
      if (received) clear();
    }),
    client.on('closed', clear),
  ];
  return () => {
    clear();
    for (const stop of stops) stop();
  };
}
