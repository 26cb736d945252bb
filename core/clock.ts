/** Time comes into the domain from outside: tests drive a manual clock, the service the system's. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
