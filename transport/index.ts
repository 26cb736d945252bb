export { openMqttSession, jittered, type MqttSession, type MqttSessionOptions, type MqttTlsOptions } from './mqtt-session.js';
export { tuneForService, type TunableSocket } from './socket-tuning.js';
export { ENV_TLS_SETTINGS, tlsFailure, type TlsSettingNames } from './tls-failure.js';
export { readTlsCredentials, reloadTlsCredentials, type CertificateSummary, type TlsCredentials, type TlsFiles } from './tls-credentials.js';
export { parseBrokerUrls, type BrokerServer } from './broker-urls.js';
