export { createPush, type Push, type PushOptions } from './service.js';
export { createSender, type Sender, type SenderStats } from './sender.js';
export { createPending, type Pending } from './pending.js';
export { upsertRequest, type Flavor, type Target } from './request.js';
