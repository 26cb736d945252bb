export { createApi, type Api, type ApiOptions } from './server.js';
export { createApp, errorBody, type AppOptions } from './app.js';
export { createStatusFeed, type StatusFeed, type StatusFeedOptions } from './status-feed.js';
