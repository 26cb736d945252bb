export { createBroker, type Broker, type BrokerOptions, type BrokerStats } from './server.js';
export { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './limits.js';
export { canPublish, canSubscribe, type Decision } from './acl.js';
export { hashPassword, verifyPassword } from './auth.js';
