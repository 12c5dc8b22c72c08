/**
 * A Node built-in module whose functions load it on first call, for code on the start-up path
 * of a short command (`firedrill run` loads every fault and probe type to check parameters):
 * each built-in costs milliseconds to load, and most runs never call it.
 *
 * @example
 * import type * as Crypto from 'node:crypto';
 * const { randomBytes } = lazy<typeof Crypto>('node:crypto'); // nothing loaded yet
 */
export function lazy<M extends object>(id: `node:${string}`): M {
  let loaded: M | undefined;
  const load = (): M => (loaded ??= process.getBuiltinModule(id) as M);
  return new Proxy({} as M, {
    // Each function is looked up on the real module when called, so methods keep their `this`.
    get:
      (_target, name) =>
      (...args: unknown[]) =>
        (Reflect.get(load(), name) as (...a: unknown[]) => unknown).apply(load(), args),
  });
}
