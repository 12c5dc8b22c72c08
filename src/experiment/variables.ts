import { didYouMean, suggestionBudget } from '../util/suggest.js';

/**
 * `${name}` references are replaced when the file is loaded; `${steps.NAME.field}` references
 * are left for the engine, which fills them from earlier steps' outputs; `$${…}` is a literal.
 *
 * A string that is exactly one reference takes the value with its type (a number stays a
 * number); a reference inside a longer string is replaced by its text.
 */
export type VariableValue = string | number | boolean;

export interface VariableSources {
  /** `--var name=value`: strongest. */
  readonly cli: Readonly<Record<string, string>>;
  /** `--var-file FILE`: a YAML or JSON map. */
  readonly file: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedVariables {
  readonly values: ReadonlyMap<string, VariableValue>;
  /** Values of variables declared `secret: true`, to redact wherever Firedrill writes. */
  readonly secrets: readonly string[];
  /** Values that do not fit their declared type, e.g. `--var pid=abc` for a number. */
  readonly problems: readonly VariableProblem[];
}

interface Declaration {
  type?: unknown;
  default?: unknown;
  env?: unknown;
  secret?: unknown;
}

export interface VariableProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const WHOLE_REFERENCE = /^\$\{([^}]*)\}$/;
export const STEP_REFERENCE_PREFIX = 'steps.';

export function resolveVariables(declared: unknown, sources: VariableSources): ResolvedVariables {
  const values = new Map<string, VariableValue>();
  const secrets: string[] = [];
  const problems: VariableProblem[] = [];
  const declarations = isRecord(declared) ? declared : {};
  for (const [name, raw] of Object.entries(declarations)) {
    const declaration: Declaration = isRecord(raw) ? raw : {};
    const picked = pick(name, declaration, sources);
    if (picked === undefined) continue;
    if (declaration.secret === true && String(picked) !== '') secrets.push(String(picked));
    const value = convert(picked, typeOf(declaration));
    if (value === undefined) {
      problems.push({
        path: ['variables', name],
        message: `variable ${name} is declared ${String(typeOf(declaration))}, but its value ${declaration.secret === true ? '(secret)' : JSON.stringify(picked)} is not one`,
      });
      continue;
    }
    values.set(name, value);
  }
  for (const [name, value] of Object.entries(sources.file)) {
    if (!values.has(name) && isScalar(value)) values.set(name, value);
  }
  for (const [name, value] of Object.entries(sources.cli)) if (!values.has(name)) values.set(name, value);
  return { values, secrets, problems };
}

type VariableType = 'string' | 'number' | 'boolean';

/** The declared type, else the default's type: `--var port=8080` is a number when port's default is. */
function typeOf(declaration: Declaration): VariableType | undefined {
  if (declaration.type === 'string' || declaration.type === 'number' || declaration.type === 'boolean') return declaration.type;
  const kind = typeof declaration.default;
  return kind === 'string' || kind === 'number' || kind === 'boolean' ? kind : undefined;
}

/** Converts text from the command line or the environment to the declared type. */
function convert(value: VariableValue, type: VariableType | undefined): VariableValue | undefined {
  if (type === undefined || typeof value === type) return value;
  const text = String(value).trim();
  if (type === 'string') return String(value);
  if (type === 'number') return /^-?\d+(\.\d+)?$/.test(text) && Number.isFinite(Number(text)) ? Number(text) : undefined;
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

/** Sources are looked up by own keys only: a variable named `toString` is not Object's method. */
function pick(name: string, declaration: Declaration, sources: VariableSources): VariableValue | undefined {
  const fromCli = own(sources.cli, name);
  if (typeof fromCli === 'string') return fromCli;
  const fromFile = own(sources.file, name);
  if (isScalar(fromFile)) return fromFile;
  if (typeof declaration.env === 'string') {
    const fromEnv = own(sources.env, declaration.env);
    if (typeof fromEnv === 'string') return fromEnv;
  }
  return isScalar(declaration.default) ? declaration.default : undefined;
}

function own(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Replaces variable references everywhere in `document` except its `variables` section. */
export function substituteVariables(
  document: unknown,
  variables: ResolvedVariables,
  declared: ReadonlySet<string>,
): { document: unknown; problems: VariableProblem[] } {
  const problems: VariableProblem[] = [];
  // Names for "did you mean", gathered once for all the file's unknown references.
  let known: string[] | undefined;
  const budget = suggestionBudget();
  const suggest = (name: string) => didYouMean(name, (known ??= [...new Set([...declared, ...variables.values.keys()])]), budget);
  const visit = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string') return substituteString(value, path, variables, declared, problems, suggest);
    if (Array.isArray(value)) return value.map((item, index) => visit(item, [...path, index]));
    if (isRecord(value)) {
      // fromEntries defines keys: a `__proto__` key stays a key instead of setting the prototype.
      return Object.fromEntries(
        Object.entries(value).map(([key, child]) => [key, path.length === 0 && key === 'variables' ? child : visit(child, [...path, key])]),
      );
    }
    return value;
  };
  return { document: visit(document, []), problems };
}

function substituteString(
  text: string,
  path: (string | number)[],
  variables: ResolvedVariables,
  declared: ReadonlySet<string>,
  problems: VariableProblem[],
  suggest: (name: string) => string,
): unknown {
  const lookup = (name: string): VariableValue | undefined => {
    const value = variables.values.get(name);
    if (value !== undefined) return value;
    problems.push({
      path,
      message: declared.has(name)
        ? `variable "${name}" has no value: pass --var ${name}=…, set it in a --var-file, or give it a default`
        : `unknown variable "${name}"${suggest(name)}; declare it under variables: or pass --var ${name}=…`,
    });
    return undefined;
  };
  const whole = WHOLE_REFERENCE.exec(text);
  if (whole) {
    const name = (whole[1] as string).trim();
    if (name.startsWith(STEP_REFERENCE_PREFIX)) return text;
    return lookup(name) ?? text;
  }
  return text.replace(REFERENCE, (match, inner: string | undefined) => {
    if (match === '$${') return '${';
    const name = (inner as string).trim();
    if (name.startsWith(STEP_REFERENCE_PREFIX)) return match;
    const value = lookup(name);
    return value === undefined ? match : String(value);
  });
}

/** Step references (`${steps.kill.pids}`) found in a value, with their paths. */
export function findStepReferences(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; step: string; field: string }[] {
  if (typeof value === 'string') {
    const found: { path: (string | number)[]; step: string; field: string }[] = [];
    for (const match of value.matchAll(REFERENCE)) {
      const inner = match[1]?.trim();
      if (!inner?.startsWith(STEP_REFERENCE_PREFIX)) continue;
      const [step = '', ...field] = inner.slice(STEP_REFERENCE_PREFIX.length).split('.');
      found.push({ path, step, field: field.join('.') });
    }
    return found;
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => findStepReferences(item, [...path, index]));
  if (isRecord(value)) return Object.entries(value).flatMap(([key, child]) => findStepReferences(child, [...path, key]));
  return [];
}

function isScalar(value: unknown): value is VariableValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
