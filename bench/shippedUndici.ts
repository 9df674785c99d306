/**
 * Makes the extension's code (compiled to out/src) load undici as it ships: dist/undici.js,
 * the slim build of the production bundle, instead of the whole package in node_modules.
 * Code outside out/src (the bench's bare client) still gets node_modules/undici.
 */
import Module = require('node:module');
import * as path from 'node:path';

export const DIST_UNDICI = path.join(__dirname, '..', '..', 'dist', 'undici.js');

export function useShippedUndici(): void {
  const src = path.join(__dirname, '..', 'src') + path.sep;
  const M = Module as unknown as {
    _resolveFilename(request: string, parent: NodeModule | undefined, ...rest: unknown[]): string;
  };
  const resolve = M._resolveFilename;
  M._resolveFilename = function (request, parent, ...rest) {
    if (request === 'undici' && parent?.filename?.startsWith(src)) return DIST_UNDICI;
    return resolve.call(this, request, parent, ...rest);
  };
}
