export * from './topics.js';
export * from './counter.js';
export * from './status.js';
export * from './live.js';
export * from './ops.js';
export * from './json.js';
export * from './time-zone.js';
export * from './history-csv.js';
