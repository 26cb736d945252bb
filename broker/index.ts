export { createBroker, type Broker, type BrokerOptions, type BrokerStats } from './server.js';
export { canPublish, canSubscribe, isCounterFilter, isStatusFilter, type Decision } from './acl.js';
export { hashPassword, verifyPassword } from './auth.js';
