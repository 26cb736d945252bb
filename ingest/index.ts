export { createIngest, type Ingest, type IngestOptions, type IngestStats } from './service.js';
export { createPipeline, messagesTaken, REJECT_REASONS, type Pipeline, type PipelineStats, type RejectReason, type HandleResult } from './pipeline.js';
export { createInfluxStore, isRetryableInfluxError, type InfluxStoreOptions } from './influx-store.js';
export { parseInfluxUrl, type InfluxTarget } from '../core/index.js';
export { createEmbeddedStore, SNAPSHOT_FILE, type EmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.js';
export { createWriteBuffer, type WriteBuffer } from './write-buffer.js';
