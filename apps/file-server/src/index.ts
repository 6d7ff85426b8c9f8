export { formatBanner } from './banner.js';
export { createFileTools, type FileToolLimits } from './file-tools.js';
export { type FileServerOptions, helpText, parseOptions } from './options.js';
export {
  DEFAULT_LIMITS,
  type RunningFileServer,
  startFileServer,
  WEBSOCKET_PATH,
} from './start-file-server.js';
export { onNode22, THIRD_PARTY } from './third-party-clients.js';
