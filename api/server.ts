/** The API process part: status feed + Hono app on @hono/node-server. */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { Clock, LotsFile } from '../core/index.js';
import { createApp } from './app.js';
import { createStatusFeed } from './status-feed.js';

export interface ApiOptions {
  lots: LotsFile;
  mqttUrl: string;
  username: string;
  password: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface Api {
  start(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
}

export function createApi({ host = '127.0.0.1', port = 8080, logger = pino({ level: 'silent' }), ...rest }: ApiOptions): Api {
  const log = logger.child({ component: 'api' });
  const feed = createStatusFeed({ ...rest, logger });
  const app = createApp({ feed, logger: log });
  let server: ServerType | null = null;

  return {
    async start() {
      await feed.start();
      const address = await new Promise<AddressInfo>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, hostname: host, port }, (info) => resolve(info));
        s.once('error', reject);
        server = s;
      });
      log.info({ url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` }, 'API listening');
      return { host: address.address, port: address.port };
    },
    async stop() {
      const s = server;
      server = null;
      if (s) {
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          (s as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
      }
      await feed.stop();
      log.info('API stopped');
    },
  };
}
