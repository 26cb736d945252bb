/**
 * Admins' commands from the API on each lot's calibration topic: decode, refuse once past
 * their deadline (by this ingest's clock: the API answered 504 by then, and a late command could
 * overwrite a newer true count), apply to the ledger, answer on `.../calibration/result`.
 */
import pino, { type Logger } from 'pino';
import { decodeWith, LotCommand, type CalibrationResult } from '../protocol/index.js';
import type { Clock } from '../core/index.js';
import type { Ledger } from './ledger.js';

export interface CommandHandler {
  /** Decodes one command message and publishes the result; an undecodable one is logged and dropped. */
  onMessage(lotId: string, payload: Buffer): void;
  /** Applies one command unless it has expired. */
  run(lotId: string, command: LotCommand): CalibrationResult;
  stats(): { calibrationsExpired: number };
}

export interface CommandHandlerOptions {
  ledger: Pick<Ledger, 'calibrate' | 'resetSensor'>;
  clock: Clock;
  /** Sends a result back to the API. */
  answer(lotId: string, result: CalibrationResult): void;
  logger?: Logger;
}

export function createCommandHandler({ ledger, clock, answer, logger = pino({ level: 'silent' }) }: CommandHandlerOptions): CommandHandler {
  const log = logger.child({ component: 'ingest' });
  let calibrationsExpired = 0;

  function run(lotId: string, command: LotCommand): CalibrationResult {
    const now = clock.now();
    if (now > command.expiresAt) {
      calibrationsExpired += 1;
      log.warn({ lotId, command, lateByMs: now - command.expiresAt }, 'expired calibration command refused');
      return { requestId: command.requestId, ok: false, error: `expired ${now - command.expiresAt} ms ago; send it again` };
    }
    return 'occupied' in command ? ledger.calibrate(lotId, command) : ledger.resetSensor(lotId, command);
  }

  return {
    run,
    onMessage(lotId, payload) {
      const command = decodeWith(LotCommand, payload);
      if (!command.ok) {
        log.warn({ lotId, err: command.error }, 'invalid calibration command ignored');
        return;
      }
      answer(lotId, run(lotId, command.data));
    },
    stats: () => ({ calibrationsExpired }),
  };
}
