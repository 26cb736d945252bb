/**
 * The process logger: JSON lines (pino) for machines by default; human-readable lines
 * (pino-pretty, in-process, no worker thread) when stdout is a terminal, or when LOG_FORMAT says so.
 * pino-pretty (and its dozen dependencies) loads only then: a JSON-logging process (systemd,
 * containers, the tests' child processes) starts without it.
 */
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Env } from './config.js';

const require = createRequire(import.meta.url);

export function createLogger(env: Pick<Env, 'LOG_LEVEL' | 'LOG_FORMAT'>, base: Record<string, unknown>, tty = Boolean(process.stdout.isTTY)): Logger {
  const options = { level: env.LOG_LEVEL, base };
  const human = env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT === undefined && tty);
  if (!human) return pino(options);
  const pretty = require('pino-pretty') as typeof PinoPretty; // CommonJS: a synchronous require keeps createLogger synchronous
  return pino(options, pretty({ colorize: tty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
}
