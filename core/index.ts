export * from './levels.js';
export * from './lots.js';
export * from './occupancy.js';
export * from './lot-counter.js';
export * from './ports.js';
export * from './rate-gate.js';
export * from './history.js';
export * from './influx-target.js';
