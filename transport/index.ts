export { openMqttSession, jittered, type MqttSession, type MqttSessionOptions } from './mqtt-session.js';
export { tuneForService, type TunableSocket } from './socket-tuning.js';
