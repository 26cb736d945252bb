/**
 * Entry of ops.js, the operators' console at /ops: every lot with its live level (WebSocket), per
 * lot its gates (silent first, red) with anomalies and drift, a calibration form that asks for
 * confirmation, today's occupancy against the typical day for this weekday, and the bus suggestions
 * shown and followed beside the lot's busy hours (nudge-section.ts). The page holds no
 * secret: the operator pastes a token, kept in memory, or in sessionStorage when asked (docs/operations.md).
 */
import { createConsole } from './view.js';

const root = document.getElementById('app');
if (root) createConsole(root);
