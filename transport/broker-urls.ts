/**
 * MQTT_URL as a list: `mqtt://a:1883,mqtt://b:1883` names the nodes of one broker cluster. The
 * session connects to the first and, on every reconnect, to the next (mqtt.js `servers`), so a
 * part rides out the loss of a node. Every URL must use the same scheme (TLS settings apply to all).
 */

export interface BrokerServer {
  host: string;
  port: number;
  protocol: 'mqtt' | 'mqtts';
}

const DEFAULT_PORT = { mqtt: 1883, mqtts: 8883 } as const;

/**
 * The servers of a URL list, or what is wrong with it.
 * @example parseBrokerUrls('mqtt://a:1883, mqtt://b:1884') // [{ host: 'a', port: 1883, protocol: 'mqtt' }, { host: 'b', port: 1884, protocol: 'mqtt' }]
 */
export function parseBrokerUrls(list: string): BrokerServer[] | string {
  const items = list.split(',').map((s) => s.trim());
  const servers: BrokerServer[] = [];
  for (const item of items) {
    let u: URL;
    try {
      u = new URL(item);
    } catch {
      return `"${item}" is not a URL (mqtt://host:port or mqtts://host:port; several separated by commas)`;
    }
    const protocol = u.protocol.replace(/:$/, '');
    if (protocol !== 'mqtt' && protocol !== 'mqtts') return `"${item}" must start with mqtt:// or mqtts://`;
    if (!u.hostname) return `"${item}" has no host`;
    servers.push({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port ? Number(u.port) : DEFAULT_PORT[protocol], protocol });
  }
  if (new Set(servers.map((s) => s.protocol)).size > 1) return 'every URL in the list must use the same scheme (all mqtt:// or all mqtts://)';
  return servers;
}
