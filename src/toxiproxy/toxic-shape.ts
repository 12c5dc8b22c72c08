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

type Numbers = Readonly<Record<string, number>>;

/** The longest wait Firedrill's toxics take (their timers overflow past 2^31 ms). */
const A_DAY_MS = 86_400_000;
const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/**
 * One Toxiproxy toxic type and the Firedrill toxic it becomes. Toxiproxy takes any whole number
 * for its attributes (Go integers, 0 when not given) and any toxicity, and shows them back as
 * given; some values break it (a negative rate, a size_variation ≥ average_size crash it). Here
 * they are stored and shown as given, and clamped into what the Firedrill toxic takes.
 * `fields` names each Toxiproxy attribute's Firedrill attribute, to show toxics made elsewhere.
 */
interface Translation {
  readonly firedrill: ToxicType;
  readonly fields: Readonly<Record<string, string>>;
  toFiredrill(given: Numbers): ToxicAttributes;
}

const n = (given: Numbers, field: string): number => given[field] ?? 0;

const TRANSLATIONS = new Map<string, Translation>([
  [
    'latency',
    {
      firedrill: 'latency',
      fields: { latency: 'latencyMs', jitter: 'jitterMs' },
      // Toxiproxy ignores a jitter ≤ 0, and sends at once what a negative delay would hold.
      toFiredrill: (a) => ({
        type: 'latency',
        latencyMs: clamp(n(a, 'latency'), 0, A_DAY_MS),
        jitterMs: clamp(n(a, 'jitter'), 0, A_DAY_MS),
      }),
    },
  ],
  [
    'bandwidth',
    {
      firedrill: 'bandwidth',
      fields: { rate: 'rateKBps' },
      // Toxiproxy 2.12 holds everything at rate 0 until the toxic goes (and crashes below 0):
      // held in order and delivered at removal, as a latency without end does.
      toFiredrill: (a) =>
        n(a, 'rate') > 0
          ? { type: 'bandwidth', rateKBps: Math.min(n(a, 'rate'), 10_000_000) }
          : { type: 'latency', latencyMs: A_DAY_MS, jitterMs: 0 },
    },
  ],
  [
    'slow_close',
    {
      firedrill: 'slow-close',
      fields: { delay: 'delayMs' },
      toFiredrill: (a) => ({ type: 'slow-close', delayMs: clamp(n(a, 'delay'), 0, A_DAY_MS) }),
    },
  ],
  [
    'timeout',
    {
      firedrill: 'blackhole',
      fields: { timeout: 'closeAfterMs' },
      // A timeout ≤ 0 never closes: the connection hangs until the toxic goes.
      toFiredrill: (a) =>
        n(a, 'timeout') > 0 ? { type: 'blackhole', closeAfterMs: Math.min(n(a, 'timeout'), A_DAY_MS) } : { type: 'blackhole' },
    },
  ],
  [
    'reset_peer',
    {
      firedrill: 'reset',
      fields: { timeout: 'delayMs' },
      toFiredrill: (a) => ({ type: 'reset', delayMs: clamp(n(a, 'timeout'), 0, A_DAY_MS) }),
    },
  ],
  [
    'slicer',
    {
      firedrill: 'slicer',
      fields: { average_size: 'averageSize', size_variation: 'sizeVariation', delay: 'delayUs' },
      toFiredrill: (a) => {
        const averageSize = clamp(n(a, 'average_size'), 1, Number.MAX_SAFE_INTEGER);
        const sizeVariation = clamp(n(a, 'size_variation'), 0, averageSize - 1);
        return { type: 'slicer', averageSize, sizeVariation, delayUs: clamp(n(a, 'delay'), 0, 60_000_000) };
      },
    },
  ],
  [
    'limit_data',
    {
      firedrill: 'limit-data',
      fields: { bytes: 'bytes' },
      toFiredrill: (a) => ({ type: 'limit-data', bytes: clamp(n(a, 'bytes'), 0, Number.MAX_SAFE_INTEGER) }),
    },
  ],
  ['noop', { firedrill: 'noop', fields: {}, toFiredrill: () => ({ type: 'noop' }) }],
]);

const BY_FIREDRILL_TYPE = new Map(
  [...TRANSLATIONS].map(([toxiproxyType, translation]) => [translation.firedrill, { toxiproxyType, ...translation }]),
);

/**
 * What each toxic made through this API was given, keyed by the spec the proxy manager stored
 * (one object per toxic, replaced on update): shown back as given, not as clamped. A toxic made
 * elsewhere (a drill's) has no entry and is shown from its Firedrill attributes.
 */
const given = new WeakMap<ToxicSpec, ToxiproxyToxic>();

export function rememberGiven(stored: ToxicSpec | undefined, shown: ToxiproxyToxic): void {
  if (stored) given.set(stored, shown);
}

/** The toxic as Toxiproxy shows it. Firedrill-only toxics (HTTP faults) keep their own type and attributes. */
export function renderToxic(spec: ToxicSpec): ToxiproxyToxic {
  const shown = given.get(spec);
  if (shown) return shown;
  const { type, attributes } = toxiproxyAttributes(spec.attributes);
  return { attributes, name: spec.id, type, stream: spec.stream, toxicity: spec.toxicity };
}

function toxiproxyAttributes(attributes: ToxicAttributes): { type: string; attributes: Record<string, unknown> } {
  const translation = BY_FIREDRILL_TYPE.get(attributes.type);
  const { type: _type, ...rest } = attributes as Readonly<Record<string, unknown>>;
  if (!translation) return { type: attributes.type, attributes: rest };
  const shown: Record<string, unknown> = {};
  for (const [toxiproxy, firedrill] of Object.entries(translation.fields)) shown[toxiproxy] = rest[firedrill] ?? 0;
  return { type: translation.toxiproxyType, attributes: shown };
}

/** What a new toxic's body says before its attributes are read (Toxiproxy checks these first). */
export interface ToxicHead {
  readonly name: string;
  readonly type: string;
  /** As given (Toxiproxy shows `UPSTREAM` if that is what it was sent). */
  readonly stream: string;
  readonly direction: Exclude<Stream, 'both'>;
  readonly toxicity: number;
}

/**
 * The name, type, stream and toxicity of a new toxic, with Toxiproxy's defaults: stream
 * `downstream`, toxicity 1.0, name `<type>_<stream>`.
 */
export function readToxicHead(body: JsonObject): ToxicHead {
  const toxicity = numberField(body, 'toxicity') ?? 1;
  const stream = stringField(body, 'stream') ?? 'downstream';
  const direction = stream.toLowerCase();
  if (direction !== 'upstream' && direction !== 'downstream') throw invalidStream();
  const type = stringField(body, 'type') ?? '';
  // Named before the type is checked, as Toxiproxy does, with the stream as it was written.
  const name = stringField(body, 'name') || `${type}_${stream}`;
  if (!TRANSLATIONS.has(type)) throw invalidToxicType();
  return { name, type, stream, direction, toxicity };
}

/** A toxic to add: what the proxy manager gets, and what Toxiproxy shows. */
export interface NewToxic {
  readonly spec: ToxicSpec;
  readonly shown: ToxiproxyToxic;
}

/** The Firedrill toxic a new Toxiproxy toxic becomes; absent attributes are 0. */
export function newToxic(head: ToxicHead, body: JsonObject): NewToxic {
  const attributes = readAttributes(head.type, body, {});
  const shown: ToxiproxyToxic = { attributes, name: head.name, type: head.type, stream: head.stream, toxicity: head.toxicity };
  return { spec: firedrillSpec(shown, head.direction), shown };
}

/**
 * A toxic after Toxiproxy's update: the given attributes and toxicity over the current ones;
 * name, type and stream never change. Only Toxiproxy's types can be updated here.
 */
export function updatedToxic(current: ToxicSpec, body: JsonObject): NewToxic {
  const before = renderToxic(current);
  if (!TRANSLATIONS.has(before.type) || current.stream === 'both') throw invalidToxicType();
  const toxicity = numberField(body, 'toxicity') ?? before.toxicity;
  const shown: ToxiproxyToxic = { ...before, toxicity, attributes: readAttributes(before.type, body, before.attributes) };
  return { spec: firedrillSpec(shown, current.stream), shown };
}

function firedrillSpec(shown: ToxiproxyToxic, direction: Exclude<Stream, 'both'>): ToxicSpec {
  const translation = TRANSLATIONS.get(shown.type);
  if (!translation) throw invalidToxicType();
  // Toxiproxy draws a toxicity above 1 as always and one below 0 as never.
  return {
    id: shown.name,
    stream: direction,
    toxicity: clamp(shown.toxicity, 0, 1),
    attributes: translation.toFiredrill(shown.attributes as Numbers),
  };
}

/** Go decodes them as int64: whole numbers of any sign, within its range. */
const INT64 = 2 ** 63;

function readAttributes(type: string, body: JsonObject, base: Readonly<Record<string, unknown>>): Record<string, number> {
  const translation = TRANSLATIONS.get(type);
  if (!translation) throw invalidToxicType();
  const raw = body['attributes'];
  const given = raw === undefined || raw === null ? {} : asObject(raw, 'attributes');
  const attributes: Record<string, number> = {};
  for (const attribute of Object.keys(translation.fields)) {
    const value = numberField(given, attribute, 'attributes.') ?? base[attribute] ?? 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) >= INT64) {
      throw badRequestBody(`attributes.${attribute}: expected a whole number, got ${JSON.stringify(value)}`);
    }
    attributes[attribute] = value;
  }
  return attributes;
}

/** Every Firedrill attribute name a translation uses: none may reach a Toxiproxy client. */
const FIREDRILL_FIELDS = [...new Set([...TRANSLATIONS.values()].flatMap((t) => Object.values(t.fields)).concat('latencyMs', 'jitterMs'))];

/**
 * A toxic the proxy manager refused (FD_TOXIC_INVALID names a Firedrill attribute, such as
 * `attributes.rateKBps`, or the toxic's `id`) becomes Toxiproxy's 400 naming the Toxiproxy field
 * (`attributes.rate`, `name`). Clamping makes this rare; a message still naming a Firedrill field
 * is replaced, never shown.
 */
export function asToxiproxyToxicError(error: unknown, shown: ToxiproxyToxic): unknown {
  if (!(error instanceof FiredrillError) || error.code !== 'FD_TOXIC_INVALID') return error;
  // A toxic's Firedrill id is its Toxiproxy name.
  let message = error.message.replace(/(^|; )id:/g, '$1name:');
  for (const [toxiproxy, firedrill] of Object.entries(TRANSLATIONS.get(shown.type)?.fields ?? {})) {
    message = message.replaceAll(`attributes.${firedrill}`, `attributes.${toxiproxy}`).replaceAll(` ${firedrill}`, ` ${toxiproxy}`);
  }
  if (FIREDRILL_FIELDS.some((field) => field !== 'bytes' && message.includes(field)))
    message = `the ${shown.type} toxic's attributes were refused`;
  return new ToxiproxyApiError(`bad request body: ${message}`, 400, { cause: error });
}
