export { StorePoint, ReadingPoint, OccupancyPoint, CalibrationPoint, MEASUREMENT, sensorStateOf } from './points.js';
export type { OccupancyStore, StoreStats, StoreKind, StoredLot, HistorySource } from './port.js';
export { parseInfluxUrl, safeParseInfluxUrl, InfluxUrl, type InfluxTarget, type InfluxUrlResult } from './influx-target.js';
export { createInfluxStore, isRetryableInfluxError, type InfluxStoreOptions } from './influx-store.js';
export { createInfluxHistory } from './influx-history.js';
export { createEmbeddedStore, embeddedHistory, type EmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.js';
export { SNAPSHOT_FILE } from './embedded-snapshot.js';
export { createWriteBuffer, type WriteBuffer, type WriteBufferOptions, type WriteBufferStats } from './write-buffer.js';
export { createEmbeddedNudgeStore, createInfluxNudgeStore, NUDGE_FILE, NUDGE_MEASUREMENT, type NudgeStore } from './nudge-store.js';
