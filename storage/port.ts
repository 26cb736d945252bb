/** The store port: what ingest and the API need of a store. Adapters implement it; bin/ picks one. */
import type { IngestHealth } from '../protocol/index.js';
import type { HistoryPoint, RestoredLot } from '../core/index.js';
import type { StorePoint } from './points.js';

/**
 * Which adapter a store is (`influx`, `embedded`): a label for logs, health and metrics, never
 * something to branch on. It is the store kind of ingest's health message, so a new adapter adds
 * its name there (protocol/ops.ts) and nowhere else.
 */
export type StoreKind = NonNullable<IngestHealth['store']>['kind'];

/** A lot's state as last stored, with the lotSeq to continue from. */
export type StoredLot = RestoredLot & { lastSeq: number };

export interface StoreStats {
  kind: StoreKind;
  /** writing: healthy; buffering: writes fail but points are kept; dropping: the buffer is full. */
  state: 'writing' | 'buffering' | 'dropping';
  /** Points accepted by write() and not yet durable. */
  buffered: number;
  /** Distinct points durably written (a rewrite of a point is not counted again). */
  written: number;
  /** Points dropped because the buffer overflowed (oldest first) or the server refused them. */
  dropped: number;
  /** Last write error, cleared by a successful write. */
  lastError: string | null;
}

/** Where the API reads history from: InfluxDB, or the embedded store in the same process. */
export interface HistorySource {
  readonly kind: StoreKind;
  history(lotId: string, fromMs: number, toMs: number, stepMs: number): Promise<HistoryPoint[]>;
}

export interface OccupancyStore {
  readonly kind: StoreKind;
  /** Human-readable target, for logs (no secrets). */
  readonly description: string;
  start(): Promise<void>;
  /** The last stored state of each lot that has one. */
  restore(lotIds: readonly string[]): Promise<Map<string, StoredLot>>;
  /** Queues points in lotSeq order per lot; never blocks and never throws for a store outage. */
  write(points: readonly StorePoint[]): void;
  /** Resolves when everything queued so far is durable (or has been given up). */
  flush(): Promise<void>;
  stop(): Promise<void>;
  stats(): StoreStats;
}
