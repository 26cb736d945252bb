export { createBroker, type Broker, type BrokerAddress, type BrokerOptions, type BrokerStats, type BrokerTlsOptions } from './server.js';
export { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './limits.js';
export { canPublish, canSubscribe, type Decision } from './acl.js';
export { hashPassword, verifyPassword } from './auth.js';
export { clientCertDecision, peerCertificateOf, type ClientCertPolicy, type PeerCertificate } from './client-cert.js';
