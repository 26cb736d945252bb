export * from './ids.js';
export * from './attributes.js';
export * from './ld.js';
export * from './v2.js';
export * from './registration.js';
