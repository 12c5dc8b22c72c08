import { FiredrillError } from '../errors.js';
import type { Stream, ToxicAttributes, ToxicSpec, ToxicType } from '../proxy/api.js';
import { asObject, numberField, stringField } from './body.js';
import type { JsonObject } from './body.js';
import { badRequestBody, invalidStream, invalidToxicType, ToxiproxyApiError } from './errors.js';

/** A toxic as Toxiproxy shows it (toxics.ToxicWrapper), field for field. */
export interface ToxiproxyToxic {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly name: string;
  readonly type: string;
  readonly stream: string;
  readonly toxicity: number;
}

/**
 * One Toxiproxy toxic type, the Firedrill toxic it becomes, and each attribute's Firedrill name.
 * Every Toxiproxy attribute of these types is a Go integer: a whole number, 0 when not given;
 * Firedrill also refuses negative ones (Toxiproxy would take them and misbehave).
 */
interface Translation {
  readonly type: ToxicType;
  readonly attributes: Readonly<Record<string, string>>;
}

const TRANSLATIONS = new Map<string, Translation>([
  ['latency', { type: 'latency', attributes: { latency: 'latencyMs', jitter: 'jitterMs' } }],
  ['bandwidth', { type: 'bandwidth', attributes: { rate: 'rateKBps' } }],
  ['slow_close', { type: 'slow-close', attributes: { delay: 'delayMs' } }],
  // Toxiproxy's timeout 0 never closes (the connection hangs until the toxic goes): no closeAfterMs.
  ['timeout', { type: 'blackhole', attributes: { timeout: 'closeAfterMs' } }],
  ['reset_peer', { type: 'reset', attributes: { timeout: 'delayMs' } }],
  ['slicer', { type: 'slicer', attributes: { average_size: 'averageSize', size_variation: 'sizeVariation', delay: 'delayUs' } }],
  ['limit_data', { type: 'limit-data', attributes: { bytes: 'bytes' } }],
]);

const BY_FIREDRILL_TYPE = new Map([...TRANSLATIONS].map(([toxiproxyType, translation]) => [translation.type, { toxiproxyType, ...translation }]));

/** The toxic as Toxiproxy shows it. Firedrill-only toxics (HTTP faults) keep their own type and attributes. */
export function renderToxic(spec: ToxicSpec): ToxiproxyToxic {
  const { type, attributes } = toxiproxyAttributes(spec.attributes);
  return { attributes, name: spec.id, type, stream: spec.stream, toxicity: spec.toxicity };
}

function toxiproxyAttributes(attributes: ToxicAttributes): { type: string; attributes: Record<string, unknown> } {
  const translation = BY_FIREDRILL_TYPE.get(attributes.type);
  const { type: _type, ...rest } = attributes as Readonly<Record<string, unknown>>;
  if (!translation) return { type: attributes.type, attributes: rest };
  const shown: Record<string, unknown> = {};
  for (const [toxiproxy, firedrill] of Object.entries(translation.attributes)) shown[toxiproxy] = rest[firedrill] ?? 0;
  return { type: translation.toxiproxyType, attributes: shown };
}

/** What a new toxic's body says before its attributes are read (Toxiproxy checks these first). */
export interface ToxicHead {
  readonly name: string;
  readonly type: string;
  readonly stream: Stream;
  readonly toxicity: number;
}

/**
 * The name, type, stream and toxicity of a new toxic, with Toxiproxy's defaults: stream
 * `downstream`, toxicity 1.0, name `<type>_<stream>`.
 */
export function readToxicHead(body: JsonObject): ToxicHead {
  const toxicity = readToxicity(body) ?? 1;
  const givenStream = stringField(body, 'stream') ?? 'downstream';
  const stream = givenStream.toLowerCase();
  if (stream !== 'upstream' && stream !== 'downstream') throw invalidStream();
  const type = stringField(body, 'type') ?? '';
  // Named before the type is checked, as Toxiproxy does, with the stream as it was written.
  const name = stringField(body, 'name') || `${type}_${givenStream}`;
  if (!TRANSLATIONS.has(type)) throw invalidToxicType();
  return { name, type, stream, toxicity };
}

/** The Firedrill toxic a new Toxiproxy toxic becomes; absent attributes are 0. */
export function newToxicSpec(head: ToxicHead, body: JsonObject): ToxicSpec {
  return { id: head.name, stream: head.stream, toxicity: head.toxicity, attributes: readAttributes(head.type, body, {}) };
}

/**
 * A toxic after Toxiproxy's update: the given attributes and toxicity over the current ones;
 * name, type and stream never change. Only Toxiproxy's types can be updated here.
 */
export function updatedToxicSpec(current: ToxicSpec, body: JsonObject): ToxicSpec {
  const shown = toxiproxyAttributes(current.attributes);
  if (!TRANSLATIONS.has(shown.type)) throw invalidToxicType();
  const toxicity = readToxicity(body) ?? current.toxicity;
  return { ...current, toxicity, attributes: readAttributes(shown.type, body, shown.attributes) };
}

function readToxicity(body: JsonObject): number | undefined {
  const toxicity = numberField(body, 'toxicity');
  if (toxicity !== undefined && !(toxicity >= 0 && toxicity <= 1)) {
    throw badRequestBody(`toxicity: must be between 0 and 1, got ${toxicity}`);
  }
  return toxicity;
}

function readAttributes(type: string, body: JsonObject, base: Readonly<Record<string, unknown>>): ToxicAttributes {
  const translation = TRANSLATIONS.get(type);
  if (!translation) throw invalidToxicType();
  const raw = body['attributes'];
  const given = raw === undefined || raw === null ? {} : asObject(raw, 'attributes');
  const attributes: Record<string, unknown> = { type: translation.type };
  for (const [attribute, firedrill] of Object.entries(translation.attributes)) {
    const value = numberField(given, attribute, 'attributes.') ?? base[attribute] ?? 0;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw badRequestBody(`attributes.${attribute}: expected a whole number ≥ 0, got ${JSON.stringify(value)}`);
    }
    if (!(translation.type === 'blackhole' && value === 0)) attributes[firedrill] = value;
  }
  // The proxy manager checks the attributes against its type's schema; its errors are translated back.
  return attributes as unknown as ToxicAttributes;
}

/**
 * A toxic the proxy manager refused (FD_TOXIC_INVALID names a Firedrill attribute, such as
 * `attributes.rateKBps`) becomes Toxiproxy's 400 naming the Toxiproxy attribute (`attributes.rate`).
 */
export function asToxiproxyToxicError(error: unknown, spec: ToxicSpec): unknown {
  if (!(error instanceof FiredrillError) || error.code !== 'FD_TOXIC_INVALID') return error;
  let message = error.message;
  for (const [toxiproxy, firedrill] of Object.entries(BY_FIREDRILL_TYPE.get(spec.attributes.type)?.attributes ?? {})) {
    message = message.replaceAll(`attributes.${firedrill}`, `attributes.${toxiproxy}`).replaceAll(` ${firedrill}`, ` ${toxiproxy}`);
  }
  return new ToxiproxyApiError(`bad request body: ${message}`, 400, { cause: error });
}
