/** The fault proxy engine; the data path is described at the top of proxy.ts. */
export type * from './api.js';
export { ProxyError } from './errors.js';
export type { ProxyErrorCode } from './errors.js';
export { ProxyRegistry } from './registry.js';
export { FaultProxy } from './proxy.js';
export { toxicDefinitions, toxicTypes } from './toxics/index.js';
export { parseToxicSpec } from './validate.js';
