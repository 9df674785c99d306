// What the extension uses of undici, and nothing more: esbuild resolves `undici` to this
// file (see build.mjs). undici's own index also loads fetch, WebSocket, caches and mocks.
'use strict';
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
// The promise API (`dispatcher.request()`), as undici's index installs it.
Dispatcher.prototype.request = require('undici/lib/api/api-request');
module.exports = {
  EnvHttpProxyAgent: require('undici/lib/dispatcher/env-http-proxy-agent'),
};
