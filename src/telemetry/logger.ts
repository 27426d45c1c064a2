import { pino } from 'pino';
import type { KeelConfig } from '../config/schema.js';

export type Logger = pino.Logger;

/**
 * Structured JSON logs. Credentials must never reach a log line: any field that could carry one is
 * redacted by path, as a second line of defence behind code that never logs them.
 */
export function createLogger(config: KeelConfig, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logging.level,
      base: { service: 'keel' },
      redact: {
        paths: [
          'api_key',
          '*.api_key',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'headers["x-api-key"]',
          '*.headers.authorization',
          'key',
          '*.key',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
