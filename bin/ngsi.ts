/**
 * `manku ngsi registration --endpoint URL [--id URN]`: prints the context source registration
 * for the city's NGSI-LD broker (POST it to /ngsi-ld/v1/csourceRegistrations; docs/city-platform.md).
 */
import { parseArgs } from 'node:util';
import { csourceRegistration } from '../ngsi/index.js';
import { ConfigError } from './config.js';

const USAGE = 'usage: manku ngsi registration --endpoint https://manku.example.jp [--id urn:ngsi-ld:ContextSourceRegistration:manku]';

export function ngsiCommand(args: string[]): string {
  const [sub, ...rest] = args;
  if (sub !== 'registration') throw new ConfigError(USAGE);
  let values: { endpoint?: string; id?: string };
  try {
    ({ values } = parseArgs({ args: rest, options: { endpoint: { type: 'string' }, id: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${USAGE}`);
  }
  const endpoint = values.endpoint;
  if (!endpoint || !URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new ConfigError(`--endpoint must be manku's public http(s) base URL, as the broker reaches it\n${USAGE}`);
  }
  if (values.id !== undefined && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(values.id)) throw new ConfigError(`--id must be a URI, e.g. urn:ngsi-ld:ContextSourceRegistration:manku`);
  return `${JSON.stringify(csourceRegistration({ endpoint, ...(values.id ? { id: values.id } : {}) }), null, 2)}\n`;
}
