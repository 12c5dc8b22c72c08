/**
 * The agent's log: one JSON object per line on stderr, `{time, level, msg, …fields}`, so that
 * journald, `kubectl logs` and jq read it as it is. Small on purpose: the agent logs a few
 * lines per fault, never in a hot loop.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function jsonLogger(stream: NodeJS.WritableStream = process.stderr, level: LogLevel = 'info'): Logger {
  const write = (at: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[at] < RANK[level]) return;
    const head = { time: new Date().toISOString(), level: at, msg };
    // time, level and msg lead the line, and a field of the same name cannot overwrite them.
    const line = Object.assign({ ...head }, fields, head);
    stream.write(`${JSON.stringify(line, errorsAsObjects)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** JSON.stringify drops an Error's own fields (message, stack): keep what helps. */
function errorsAsObjects(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  return { name: value.name, message: value.message, ...(code !== undefined && { code }), stack: value.stack };
}

/**
 * A logger that redacts what it is given before the one below writes it: the agent's, so that a
 * secret of a fault's parameters (a path, a header) never reaches agent.log in clear. Errors in
 * the fields are made plain objects first (message, code, stack), so they are redacted too.
 */
export function redactingLogger(log: Logger, redactor: { redact<T>(value: T): T }): Logger {
  const write =
    (at: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      log[at](redactor.redact(msg), fields && redactor.redact(plainFields(fields)));
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** The fields as the JSON line will show them (errors as objects); what cannot be written says so. */
function plainFields(fields: LogFields): LogFields {
  try {
    return JSON.parse(JSON.stringify(fields, errorsAsObjects)) as LogFields;
  } catch (error) {
    return { unloggable: error instanceof Error ? error.message : String(error) };
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
