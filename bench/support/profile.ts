/**
 * A CPU profile of a benchmark child over the window the benchmark measures, not its start-up:
 * `profileOn()` when the window opens, `profileOff(file)` when it closes writes a .cpuprofile
 * (open it in Chrome DevTools or summarise it with bench/support/profile-top.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

let session: Session | null = null;

export async function profileOn() {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
}

export async function profileOff(file: string) {
  if (!session) return;
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  session = null;
}
