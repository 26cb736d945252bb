export { createBroker, type Broker, type BrokerAddress, type BrokerOptions, type BrokerStats, type BrokerTlsOptions } from './server.js';
export { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './limits.js';
export { canPublish, canSubscribe, type Decision, type PublishDecision } from './acl.js';
export { hashBcryptPassword, hashMosquittoPassword, hashPassword, hashPasswordAs, verifyPassword } from './auth.js';
export { clientCertDecision, peerCertificateOf, type ClientCertPolicy, type PeerCertificate } from './client-cert.js';
export { grantsOf, type Grant, type GeneratedFiles } from './grants.js';
export { mosquittoConfig, queueLimitOf, type MosquittoConfigOptions } from './mosquitto-config.js';
export { natsAuthConfig, natsNodeConfig, subjectOf, type NatsNodeOptions } from './nats-config.js';
