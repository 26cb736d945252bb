export { createIngest, type Ingest, type IngestOptions, type IngestStats } from './service.js';
export { createLedger, messagesTaken, REJECT_REASONS, type Ledger, type LedgerStats, type RejectReason, type HandleResult } from './ledger.js';
export { createCommandHandler, type CommandHandler } from './commands.js';
export { createStatusPublisher, type StatusPublisher } from './status-publisher.js';
export { createHistoryWriter, type HistoryWriter } from './history-writer.js';
export { createGateTracker, type GateTracker } from './gate-tracker.js';
export { createGatePublisher, type GatePublisher } from './gate-publisher.js';
