export const REDACTED = '***';

/**
 * Returns a function that replaces every secret value inside strings of any JSON-like value.
 * Longest secrets first, so a secret that contains another is redacted whole.
 */
export function createRedactor(secrets: readonly string[]): <T>(value: T) => T {
  const ordered = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (value) => value;
  const redactString = (text: string): string => ordered.reduce((acc, secret) => acc.split(secret).join(REDACTED), text);
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return redactString(value);
    if (Array.isArray(value)) return value.map(visit);
    if (value instanceof Error) return redactString(value.message);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
    }
    return value;
  };
  return <T>(value: T) => visit(value) as T;
}

/** The same error with every secret replaced in its message (for the CLI's error boundary). */
export function redactError(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error) || secrets.length === 0) return error;
  const redact = createRedactor(secrets);
  error.message = redact(error.message);
  if (error.stack) error.stack = redact(error.stack);
  return error;
}
