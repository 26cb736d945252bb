export * from './topics.js';
export * from './counter.js';
export * from './status.js';
