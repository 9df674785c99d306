/**
 * The HTTP, Identity and Compute clients, as Services loads them: with the first request, not
 * at activation (one `import()` of this file: a lazy chunk of the bundle).
 */
export { ComputeClient } from '../core/api/compute';
export { HttpClient } from '../core/api/http';
export { AuthError } from '../core/api/identity';
export { TokenManager } from '../core/api/tokenManager';
export { networkOptions } from './network';
