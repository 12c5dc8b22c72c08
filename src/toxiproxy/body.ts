import type { Context } from 'hono';
import { errorMessage } from '../errors.js';
import { badRequestBody } from './errors.js';

export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * The request's JSON value, decoded as Toxiproxy's Go decoder would: an empty body is `EOF`,
 * malformed JSON names the problem, both 400 `bad request body: …`.
 */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw badRequestBody('EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequestBody(errorMessage(error));
  }
}

export async function readObject(c: Context): Promise<JsonObject> {
  return asObject(await readJson(c), '');
}

export function asObject(value: unknown, where: string): JsonObject {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as JsonObject;
  throw badRequestBody(`${where ? `${where}: ` : ''}expected a JSON object, got ${kind(value)}`);
}

/*
 * Field readers. Like Go's decoder, a field that is absent or null keeps its default and
 * unknown fields are ignored; a field of the wrong type is a 400 naming it.
 */

export function stringField(body: JsonObject, field: string, where = ''): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(where, field, 'a string', value);
  return value;
}

export function booleanField(body: JsonObject, field: string, where = ''): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw wrongType(where, field, 'true or false', value);
  return value;
}

export function numberField(body: JsonObject, field: string, where = ''): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw wrongType(where, field, 'a number', value);
  return value;
}

function wrongType(where: string, field: string, expected: string, value: unknown) {
  return badRequestBody(`${where}${field}: expected ${expected}, got ${kind(value)}`);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
