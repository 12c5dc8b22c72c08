import { describe, expect, it } from 'vitest';
import { AudienceError, importAudience } from '../../src/phishing/audience.js';

const HEADER = 'email,firstName,lastName,department,language';

function problemsOf(csv: string, options = {}): { line: number; column?: string; message: string }[] {
  try {
    importAudience(csv, options);
  } catch (error) {
    if (error instanceof AudienceError) return [...error.problems];
    throw error;
  }
  throw new Error('expected an AudienceError');
}

describe('importing an audience from CSV', () => {
  it('reads recipients with the default language and extra attributes', () => {
    const { recipients, skipped } = importAudience(
      `${HEADER},site\nada@example.org,Ada,Lovelace,Finance,,Paris\nbob@example.org,Bob,,IT,FR,Lyon\n`,
    );
    expect(skipped).toBe(0);
    expect(recipients).toEqual([
      {
        email: 'ada@example.org',
        firstName: 'Ada',
        lastName: 'Lovelace',
        department: 'Finance',
        language: 'en',
        attributes: { site: 'Paris' },
      },
      { email: 'bob@example.org', firstName: 'Bob', lastName: '', department: 'IT', language: 'fr', attributes: { site: 'Lyon' } },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF and a BOM', () => {
    const csv = `\uFEFF${HEADER}\r\n"ada@example.org","Ada ""the first""","Love,lace","Finance\r\nand risk",en\r\n`;
    const [ada] = importAudience(csv).recipients;
    expect(ada).toMatchObject({ firstName: 'Ada "the first"', lastName: 'Love,lace', department: 'Finance\r\nand risk' });
  });

  it('counts lines from the physical line a record starts on', () => {
    const csv = `${HEADER}\nada@example.org,Ada,L,"Fin\nance",en\nnot-an-email,Bob,B,IT,en\n`;
    expect(problemsOf(csv)).toEqual([{ line: 4, column: 'email', message: '"not-an-email" is not an email address' }]);
  });

  it('names every bad line and imports nothing by default', () => {
    const csv = [
      HEADER,
      'ada@example.org,Ada,L,Finance,en',
      'ADA@Example.org,Ada,L,Finance,en',
      'bob@,Bob,B,IT,en',
      'carl@example.org,,C,IT,de',
      'dan@example.org,Dan,D',
    ].join('\n');
    expect(problemsOf(csv)).toEqual([
      { line: 3, column: 'email', message: 'ADA@Example.org is already on line 2' },
      { line: 4, column: 'email', message: '"bob@" is not an email address' },
      { line: 5, column: 'firstName', message: 'firstName is empty' },
      { line: 5, column: 'language', message: '"de" is not one of en, fr' },
      { line: 6, message: '3 fields where the header has 5 columns' },
    ]);
  });

  it('keeps the valid lines and counts the others with skipInvalid', () => {
    const result = importAudience(`${HEADER}\nada@example.org,Ada,L,Finance,en\nbob@,Bob,B,IT,en\n`, { skipInvalid: true });
    expect(result.recipients.map((recipient) => recipient.email)).toEqual(['ada@example.org']);
    expect(result.skipped).toBe(1);
    expect(result.problems).toHaveLength(1);
  });

  it('refuses a manager column, saying why', () => {
    expect(problemsOf(`${HEADER},managerEmail\n`)).toEqual([
      {
        line: 1,
        column: 'managerEmail',
        message: 'refused: results are never reported to managers per person, so no manager column is stored',
      },
    ]);
  });

  it('refuses a header without required columns, with duplicates or a wrong case, even with skipInvalid', () => {
    expect(problemsOf('email,FirstName,department,site,site\n', { skipInvalid: true })).toEqual([
      { line: 1, column: 'FirstName', message: 'write it firstName' },
      { line: 1, column: 'site', message: 'the column appears twice' },
      { line: 1, column: 'lastName', message: 'the required column lastName is missing' },
    ]);
    expect(problemsOf('')).toEqual([{ line: 1, message: expect.stringContaining('the file is empty') as string }]);
  });

  it('stops at the limits with a clear error', () => {
    const rows = Array.from({ length: 4 }, (_, i) => `p${i}@example.org,P,Q,IT,en`);
    expect(problemsOf([HEADER, ...rows].join('\n'), { maxRecipients: 3 })).toEqual([
      { line: 5, message: 'more than 3 recipients in one file (split it)' },
    ]);
    expect(problemsOf(`${HEADER}\nada@example.org,${'A'.repeat(11)},L,F,en`, { maxFieldLength: 10 })).toEqual([
      { line: 2, message: 'a field is longer than 10 characters' },
    ]);
  });

  it('reports a quote that is never closed or misplaced', () => {
    expect(problemsOf(`${HEADER}\n"ada@example.org,Ada,L,F,en\n`)).toEqual([{ line: 2, message: 'a quoted field is never closed' }]);
    expect(problemsOf(`${HEADER}\nada@example.org,A"da,L,F,en\n`)).toEqual([
      { line: 2, message: 'a quote inside an unquoted field (quote the whole field)' },
    ]);
  });
});
