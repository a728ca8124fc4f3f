import { pino, type Logger } from 'pino';

/** JSON logs on stdout. Tokens never reach them: authorization fields are redacted wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'campushub-realtime' },
    redact: {
      paths: ['authorization', '*.authorization', '*.Authorization', 'headers.authorization', 'connectionParams', 'token'],
      censor: '[redacted]',
    },
  });
}
