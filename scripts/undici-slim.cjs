// What the extension uses of undici, and nothing more: esbuild resolves `undici` to this
// file (see build.mjs). undici's own index also loads fetch, WebSocket, caches and mocks.
'use strict';
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
// The promise API, as undici's index installs it: `request()` for our calls, and
// `connect()`, which ProxyAgent uses to open its CONNECT tunnel through a proxy.
Dispatcher.prototype.request = require('undici/lib/api/api-request');
Dispatcher.prototype.connect = require('undici/lib/api/api-connect');
module.exports = {
  // The plain Agent is the dispatcher handed to VS Code's fetch (see src/core/api/http.ts).
  Agent: require('undici/lib/dispatcher/agent'),
  EnvHttpProxyAgent: require('undici/lib/dispatcher/env-http-proxy-agent'),
};
