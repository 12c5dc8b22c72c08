export const REDACTED = '***';

/**
 * Returns a function that replaces every secret value inside strings (values and keys) of any JSON-like value.
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
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactString(k), visit(v)])); // a header named by a secret too
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

/**
 * The secrets a long-lived process was told about (the agent: those of the faults it runs), to
 * redact from everything it writes later: its log, its ledger. It only grows, so a value once
 * secret stays redacted, up to a bound that keeps redaction cheap (the oldest go first).
 */
export class SecretSet {
  static readonly MAX = 10_000;
  readonly #values = new Set<string>();
  #redact: <T>(value: T) => T = (value) => value;

  constructor(values: Iterable<string> = []) {
    this.add(values);
  }

  add(values: Iterable<string>): void {
    const before = this.#values.size;
    for (const value of values) {
      if (value.length === 0 || this.#values.has(value)) continue;
      this.#values.add(value);
      if (this.#values.size > SecretSet.MAX) this.#values.delete(this.#values.values().next().value as string);
    }
    if (this.#values.size !== before) this.#redact = createRedactor([...this.#values]);
  }

  get values(): readonly string[] {
    return [...this.#values];
  }

  /** The known secrets that occur in the strings of a JSON-like value (what a record must keep sealed). */
  occurringIn(value: unknown): string[] {
    if (this.#values.size === 0) return [];
    const texts: string[] = [];
    collectStrings(value, texts);
    return [...this.#values].filter((secret) => texts.some((text) => text.includes(secret)));
  }

  redact<T>(value: T): T {
    return this.#redact(value);
  }
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      into.push(key);
      collectStrings(item, into);
    }
  }
}
