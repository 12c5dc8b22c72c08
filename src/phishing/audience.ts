import { UserError } from '../errors.js';
import { CsvSyntaxError, parseCsv } from './csv.js';

/**
 * An audience from CSV text: the header names the columns, each following line is a recipient.
 *
 *   email,firstName,lastName,department,language,site
 *   ada@example.org,Ada,Lovelace,Finance,en,Paris
 *
 * Required columns: email, firstName, lastName, department; `language` (en | fr) is optional
 * and defaults to en; any other column is an attribute (a site, a floor) that lures and
 * results may use. Only what a drill needs: a `manager*` column is refused, because results are
 * never reported to managers per person, so there is nothing to store it for.
 *
 * All or nothing by default: one bad line and nothing is imported, every line's problem is
 * listed. With `skipInvalid` the valid lines are kept and the others counted and listed.
 */

export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Recipient {
  /** As written; compare with `emailKey`. */
  readonly email: string;
  readonly firstName: string;
  /** May be empty: some people have a single name. */
  readonly lastName: string;
  readonly department: string;
  readonly language: Language;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface AudienceProblem {
  /** 1-based line in the file. */
  readonly line: number;
  /** The column concerned, by its header name. */
  readonly column?: string;
  readonly message: string;
}

export interface AudienceOptions {
  readonly skipInvalid?: boolean;
  /** Recipients per file (default 100,000). */
  readonly maxRecipients?: number;
  /** Characters per field (default 500). */
  readonly maxFieldLength?: number;
}

export interface AudienceImport {
  readonly recipients: Recipient[];
  /** Lines left out (only with `skipInvalid`). */
  readonly skipped: number;
  readonly problems: AudienceProblem[];
}

export const MAX_RECIPIENTS = 100_000;
/** 64 MiB of text: 100,000 recipients of a few attributes each fit with room to spare. */
export const MAX_CSV_CHARS = 64 * 1024 * 1024;
export const MAX_FIELD_LENGTH = 500;
const REQUIRED = ['email', 'firstName', 'lastName', 'department'] as const;
const KNOWN = new Set<string>([...REQUIRED, 'language']);
/** Fields that may not be empty: the address, a name to greet and the group results count in. */
const NON_EMPTY = new Set<string>(['email', 'firstName', 'department']);
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Deliberately plain: one @, no spaces or quotes, a dot in the domain, at most 254 characters. */
const EMAIL = /^[^\s@"<>,;()[\]\\]+@[^\s@"<>,;()[\]\\]+\.[^\s@"<>,;()[\]\\.]+$/;

/** Every problem of an audience file, each with its line. */
export class AudienceError extends UserError {
  constructor(readonly problems: readonly AudienceProblem[]) {
    super('FD_AUDIENCE_INVALID', problems.map(formatAudienceProblem).join('\n'));
  }
}

/** `line 4, column email: "ada@" is not an email address` */
export function formatAudienceProblem(problem: AudienceProblem): string {
  return `line ${problem.line}${problem.column ? `, column ${problem.column}` : ''}: ${problem.message}`;
}

/** The key two addresses are duplicates by: `Ada@Example.org` and `ada@example.org` are one person. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Reads an audience; throws AudienceError with every problem when a line is bad (and
 * `skipInvalid` is not set) or when the file itself cannot be used (header, syntax, limits).
 */
export function importAudience(csv: string, options: AudienceOptions = {}): AudienceImport {
  const maxRecipients = options.maxRecipients ?? MAX_RECIPIENTS;
  if (csv.length > MAX_CSV_CHARS)
    throw new AudienceError([{ line: 1, message: `the file is larger than ${MAX_CSV_CHARS / 1024 / 1024} MiB (split it)` }]);
  let records;
  try {
    records = parseCsv(csv, { maxRecords: maxRecipients + 1, maxFieldLength: options.maxFieldLength ?? MAX_FIELD_LENGTH });
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new AudienceError([{ line: error.line, message: error.message.replace(/^line \d+: /, '') }]);
    throw error;
  }
  const [header, ...rows] = records;
  if (header === undefined)
    throw new AudienceError([{ line: 1, message: `the file is empty: a header row is needed (${REQUIRED.join(',')})` }]);
  const columns = header.fields.map((name) => name.trim());
  const headerProblems = checkHeader(columns, header.line);
  if (headerProblems.length > 0) throw new AudienceError(headerProblems);

  const recipients: Recipient[] = [];
  const problems: AudienceProblem[] = [];
  const firstLineOf = new Map<string, number>();
  let skipped = 0;
  for (const row of rows) {
    const found = readRow(columns, row.fields, row.line);
    if ('recipient' in found) {
      const key = emailKey(found.recipient.email);
      const first = firstLineOf.get(key);
      if (first === undefined) {
        firstLineOf.set(key, row.line);
        recipients.push(found.recipient);
        continue;
      }
      found.problems.push({ line: row.line, column: 'email', message: `${found.recipient.email} is already on line ${first}` });
    }
    problems.push(...found.problems);
    skipped++;
  }
  if (problems.length > 0 && !options.skipInvalid) throw new AudienceError(problems);
  return { recipients, skipped, problems };
}

function checkHeader(columns: readonly string[], line: number): AudienceProblem[] {
  const problems: AudienceProblem[] = [];
  const seen = new Set<string>();
  columns.forEach((column, index) => {
    if (column === '') problems.push({ line, message: `column ${index + 1} has no name` });
    else if (/^manager/i.test(column))
      problems.push({
        line,
        column,
        message: 'refused: results are never reported to managers per person, so no manager column is stored',
      });
    else if (seen.has(column.toLowerCase())) problems.push({ line, column, message: 'the column appears twice' });
    else if (!KNOWN.has(column) && !ATTRIBUTE_NAME.test(column))
      problems.push({
        line,
        column,
        message: 'an attribute column is named with letters, digits, _ or - (at most 64), starting with a letter',
      });
    else if (!KNOWN.has(column) && [...KNOWN].some((known) => known.toLowerCase() === column.toLowerCase()))
      problems.push({ line, column, message: `write it ${[...KNOWN].find((known) => known.toLowerCase() === column.toLowerCase())}` });
    seen.add(column.toLowerCase());
  });
  for (const required of REQUIRED)
    if (!columns.includes(required) && !problems.some((problem) => problem.column?.toLowerCase() === required.toLowerCase()))
      problems.push({ line, column: required, message: `the required column ${required} is missing` });
  return problems;
}

function readRow(
  columns: readonly string[],
  fields: readonly string[],
  line: number,
): { recipient: Recipient; problems: AudienceProblem[] } | { problems: AudienceProblem[] } {
  if (fields.length !== columns.length)
    return { problems: [{ line, message: `${fields.length} fields where the header has ${columns.length} columns` }] };
  const problems: AudienceProblem[] = [];
  const values: Record<string, string> = {};
  const attributes: Record<string, string> = {};
  columns.forEach((column, index) => {
    const value = (fields[index] as string).trim();
    if (KNOWN.has(column)) values[column] = value;
    else attributes[column] = value;
    if (NON_EMPTY.has(column) && value === '') problems.push({ line, column, message: `${column} is empty` });
  });
  const email = values.email ?? '';
  if (email !== '' && (email.length > 254 || !EMAIL.test(email)))
    problems.push({ line, column: 'email', message: `${JSON.stringify(email)} is not an email address` });
  const language = (values.language ?? '').toLowerCase() || 'en';
  if (!(LANGUAGES as readonly string[]).includes(language))
    problems.push({ line, column: 'language', message: `${JSON.stringify(values.language)} is not one of ${LANGUAGES.join(', ')}` });
  const recipient: Recipient = {
    email,
    firstName: values.firstName ?? '',
    lastName: values.lastName ?? '',
    department: values.department ?? '',
    language: language as Language,
    attributes,
  };
  return problems.length > 0 ? { problems } : { recipient, problems };
}
