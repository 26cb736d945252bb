export * from './train.js';
export * from './forecast.js';
export * from './evaluate.js';
export * from './grid.js';
export * from './holidays.js';
export * from './local-clock.js';
export * from './calendar.js';
