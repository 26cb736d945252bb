/** Where an InfluxDB 1.x database is: parsed once from INFLUX_URL, for the store and for history. */

export interface InfluxTarget {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  database: string;
  username?: string;
  password?: string;
}

/** @example parseInfluxUrl('http://127.0.0.1:8086/manku') // { protocol: 'http', host: '127.0.0.1', port: 8086, database: 'manku' } */
export function parseInfluxUrl(url: string): InfluxTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`INFLUX_URL "${url}" is not a URL; expected e.g. http://127.0.0.1:8086/manku`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('INFLUX_URL must start with http:// or https://');
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (!/^[A-Za-z0-9_-]+$/.test(database)) throw new Error('INFLUX_URL must name a database as its path, e.g. http://127.0.0.1:8086/manku');
  return {
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 8086,
    database,
    ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
  };
}
