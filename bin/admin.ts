/**
 * Admin commands of the `manku` CLI that call a running API (the same routes an operator can curl):
 *   manku reset-sensor LOT SENSOR    forget a sensor's reference (it is ignored as old-boot, say)
 * The bearer sent is ADMIN_BEARER (e.g. an operator's access token from the city's OpenID Connect
 * provider) or else ADMIN_TOKEN, the API's admin token; API_URL where the API is (default
 * http://HOST:PORT, or https:// when the API has a certificate; a private CA is trusted with
 * NODE_EXTRA_CA_CERTS).
 */
import { ConfigError, type Env } from './config.js';
import { apiTlsOf } from './tls-config.js';

export function apiUrlOf(env: Env): string {
  if (env.API_URL) return env.API_URL.replace(/\/+$/, '');
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  const scheme = apiTlsOf(env) ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${env.PORT}`;
}

/** POSTs to an admin route; prints the JSON answer, or throws a ConfigError saying what went wrong. */
async function postAdmin(env: Env, path: string, body?: unknown): Promise<unknown> {
  const bearer = env.ADMIN_BEARER ?? env.ADMIN_TOKEN;
  if (!bearer) throw new ConfigError("set ADMIN_BEARER to your access token from the OpenID Connect provider, or ADMIN_TOKEN to the API's admin token");
  const url = `${apiUrlOf(env)}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message;
    const tlsHint = url.startsWith('https:') ? '; for a private CA set NODE_EXTRA_CA_CERTS to its file' : '';
    throw new ConfigError(`cannot reach the API at ${url}: ${(err as Error).message}${cause ? ` (${cause})` : ''} (set API_URL${tlsHint})`);
  }
  const answer = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) throw new ConfigError(`the API answered ${res.status}: ${answer?.error?.message ?? res.statusText}`);
  return answer;
}

export async function resetSensorCommand(env: Env, args: string[]): Promise<unknown> {
  const [lotId, sensorId] = args;
  if (!lotId || !sensorId || args.length > 2) throw new ConfigError('usage: manku reset-sensor LOT SENSOR   (with ADMIN_BEARER or ADMIN_TOKEN, and API_URL when the API is not on HOST:PORT)');
  return postAdmin(env, `/api/v1/lots/${encodeURIComponent(lotId)}/sensors/${encodeURIComponent(sensorId)}/reset`);
}
