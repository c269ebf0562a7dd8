// createLogger({ level, destination }) → pino logger that redacts credentials wherever they sit
// (headers, tokens, passwords, client secrets, Graph clientState). Tests pass a destination
// with write(line) to capture every line.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'password',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'clientState',
  'privateKey',
  'apiToken',
  'assertion',
  'validationToken',
];

// pino's redaction takes explicit paths; cover the key at the top and up to three levels down,
// which reaches req.headers.authorization and err.config.headers.Authorization.
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);

export interface LoggerOptions {
  level?: LogLevel;
  destination?: DestinationStream | { write(line: string): void };
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    (options.destination as DestinationStream | undefined) ?? pino.destination(1),
  );
}
