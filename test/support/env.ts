import { loadEnv } from '../../bin/config.js';

/** The message loadEnv refuses these variables with (fails the test when it accepts them). */
export function envError(vars: Record<string, string>): string {
  try {
    loadEnv(vars);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`loadEnv accepted ${JSON.stringify(vars)}`);
}
