export { createGateCounter, type GateCounter } from './gate-counter.js';
