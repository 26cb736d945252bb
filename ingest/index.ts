export { createIngest, type Ingest, type IngestOptions, type IngestStats } from './service.js';
export { createPipeline, messagesTaken, REJECT_REASONS, type Pipeline, type PipelineStats, type RejectReason, type HandleResult } from './pipeline.js';
