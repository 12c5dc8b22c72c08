import type { Language } from '../audience.js';
import { hrPolicy } from './hr-policy.js';
import { invoice } from './invoice.js';
import type { Lure, LureContent } from './lure.js';
import { parcelDelivery } from './parcel-delivery.js';
import { passwordExpiry } from './password-expiry.js';
import { sharedDocument } from './shared-document.js';

/**
 * The starter library: realistic, harmless lures in English and French, each with its landing
 * and training page. A drill picks one by id; a random weekly drill picks among all.
 */
export const LURES: readonly Lure[] = [parcelDelivery, sharedDocument, passwordExpiry, invoice, hrPolicy];

const byId = new Map(LURES.map((lure) => [lure.id, lure]));

/** The lure of that id, or undefined. */
export function findLure(id: string): Lure | undefined {
  return byId.get(id);
}

/** A lure's templates in the recipient's language. */
export function lureContent(lure: Lure, language: Language): LureContent {
  return lure.content[language];
}

export type { Lure, LureContent, LureCopy, SignOfPhishing } from './lure.js';
