/**
 * National holidays by calendar name, pluggable: a holiday is treated as a Sunday in the weekday ×
 * time-of-day profile. Add a country by adding an entry here (a pure lookup of `YYYY-MM-DD`).
 */
import holidayJp from '@holiday-jp/holiday_jp';

/** Whether a local date (`YYYY-MM-DD`) is a public holiday. */
export type IsHoliday = (isoDate: string) => boolean;

// The package's own isHoliday(Date) reads the date in the process's time zone; we look the lot's
// local date up in its table instead.
const jpTable = holidayJp.holidays as Readonly<Record<string, unknown>>;

export const HOLIDAY_CALENDARS = {
  /** Japan: 国民の祝日 and 振替休日, from @holiday-jp/holiday_jp (maintained table, 1970–2050). */
  JP: (isoDate: string) => Object.hasOwn(jpTable, isoDate),
  none: (_isoDate: string) => false,
} satisfies Record<string, IsHoliday>;

export type HolidayCalendar = keyof typeof HOLIDAY_CALENDARS;
export const HOLIDAY_CALENDAR_NAMES = Object.keys(HOLIDAY_CALENDARS) as HolidayCalendar[];
