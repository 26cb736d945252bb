/** Day types of the weekday × time-of-day profile: 0 = Sunday … 6 = Saturday; a holiday counts as a Sunday. */
import { HOLIDAY_CALENDARS, type HolidayCalendar } from './holidays.js';
import { isoDateOf, weekdayOf } from './local-clock.js';

export const SUNDAY = 0;

export function dayTypeOf(day: number, holidays: HolidayCalendar): number {
  return HOLIDAY_CALENDARS[holidays](isoDateOf(day)) ? SUNDAY : weekdayOf(day);
}
