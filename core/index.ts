export * from './levels.js';
export * from './lots.js';
export * from './occupancy.js';
export * from './lot-state.js';
export * from './clock.js';
export * from './rate-gate.js';
export * from './token-bucket.js';
export * from './history.js';
