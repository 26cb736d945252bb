export { createApi, type Api, type ApiOptions } from './server.js';
export { createApp, errorBody, OPENAPI_INFO, type AppOptions } from './app.js';
export { createStatusFeed, type StatusFeed, type StatusFeedOptions } from './status-feed.js';
export { createLiveHub, type LiveHub, type LiveHubOptions } from './live-hub.js';
export { originAllowed, attachLiveUpgrade, LIVE_PATH } from './live-upgrade.js';
export { buildWidget, type WidgetBundle } from './widget-assets.js';
export { createClientAddress, trustList, addressKey } from './client-address.js';
export { createOidcVerifier, type OidcOptions, type OidcVerifier } from './oidc-verifier.js';
