/**
 * The Toxiproxy-compatible API of the agent: Toxiproxy's HTTP API over Firedrill's fault proxies.
 */
export { createToxiproxyApp } from './app.js';
export type { ToxiproxyAppDeps } from './app.js';
export type { ToxicHooks } from './hooks.js';
export type { ToxiproxyErrorBody } from './errors.js';
export type { ToxiproxyProxy } from './proxy-shape.js';
export type { ToxiproxyToxic } from './toxic-shape.js';
