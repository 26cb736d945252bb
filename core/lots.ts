/** The lots file: lots, their gate sensors and the service accounts allowed on the broker. */
import { z } from 'zod';
import { Id, isTimeZone, LocalizedName } from '../protocol/index.js';
import { Thresholds } from './levels.js';
import { HOLIDAY_CALENDAR_NAMES, type HolidayCalendar } from './forecast/holidays.js';
import { LotPlace } from './place.js';
import { passwordHashProblem } from './password-hash.js';
import { LotNudge } from './nudge-settings.js';

/** Any hash format core/password-hash.ts accepts, checked when the file loads. */
export const PasswordHash = z.string().superRefine((value, ctx) => {
  const problem = passwordHashProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const SensorConfig = z.strictObject({
  id: Id,
  passwordHash: PasswordHash,
});
export type SensorConfig = z.infer<typeof SensorConfig>;

export const LotConfig = z.strictObject({
  id: Id,
  name: LocalizedName,
  capacity: z.int().positive(),
  /** IANA time zone the lot's times are shown in. */
  timeZone: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone, e.g. Asia/Tokyo')
    .default('Asia/Tokyo'),
  /** Whose national holidays the forecast treats as Sundays; default JP in Asia/Tokyo, else none (holidaysOf). */
  holidays: z.enum(HOLIDAY_CALENDAR_NAMES as [HolidayCalendar, ...HolidayCalendar[]]).optional(),
  /** A lot is unknown when any sensor has been silent longer than this. */
  staleAfterS: z.int().min(1).default(180),
  thresholds: Thresholds.default(Thresholds.parse({})),
  sensors: z.array(SensorConfig).min(1),
  /** Optional: location, address, category, url, operator (core/place.ts). */
  ...LotPlace,
  /** Optional: the bus suggestion the widget shows (core/nudge-settings.ts, docs/nudge.md). */
  nudge: LotNudge.optional(),
});
export type LotConfig = z.infer<typeof LotConfig>;

/** The lot's holiday calendar for the forecast: as configured, else JP for a lot in Asia/Tokyo, else none. */
export function holidaysOf(lot: Pick<LotConfig, 'holidays' | 'timeZone'>): HolidayCalendar {
  return lot.holidays ?? (lot.timeZone === 'Asia/Tokyo' ? 'JP' : 'none');
}

/** reader: status only (e.g. the MaaS app); api: the API service; ingest: the ingest service; push: the NGSI push. */
export const AccountRole = z.enum(['reader', 'api', 'ingest', 'push']);
export type AccountRole = z.infer<typeof AccountRole>;

export const AccountConfig = z.strictObject({
  username: Id,
  role: AccountRole,
  passwordHash: PasswordHash,
});
export type AccountConfig = z.infer<typeof AccountConfig>;

export const LotsFile = z
  .strictObject({
    lots: z.array(LotConfig).min(1),
    accounts: z.array(AccountConfig).default([]),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, string>();
    const claim = (name: string, what: string, path: (string | number)[]) => {
      const other = seen.get(name);
      if (other) ctx.addIssue({ code: 'custom', message: `"${name}" is used twice (${other} and ${what})`, path });
      else seen.set(name, what);
    };
    const lotIds = new Set<string>();
    file.lots.forEach((lot, i) => {
      if (lotIds.has(lot.id)) ctx.addIssue({ code: 'custom', message: `duplicate lot id "${lot.id}"`, path: ['lots', i, 'id'] });
      lotIds.add(lot.id);
      lot.sensors.forEach((s, j) => claim(s.id, `sensor of lot ${lot.id}`, ['lots', i, 'sensors', j, 'id']));
    });
    file.accounts.forEach((a, i) => claim(a.username, `${a.role} account`, ['accounts', i, 'username']));
  });
export type LotsFile = z.infer<typeof LotsFile>;

/** Who a broker username is: a sensor of one lot, or a service account. */
export type Principal =
  | { role: 'sensor'; username: string; lotId: string; sensorId: string }
  | { role: AccountRole; username: string };

export interface Credential {
  principal: Principal;
  passwordHash: string;
}

/** Every username the broker accepts, with its hash. */
export function credentialsOf(file: LotsFile): Map<string, Credential> {
  const map = new Map<string, Credential>();
  for (const lot of file.lots) {
    for (const s of lot.sensors) {
      map.set(s.id, { principal: { role: 'sensor', username: s.id, lotId: lot.id, sensorId: s.id }, passwordHash: s.passwordHash });
    }
  }
  for (const a of file.accounts) {
    map.set(a.username, { principal: { role: a.role, username: a.username }, passwordHash: a.passwordHash });
  }
  return map;
}
