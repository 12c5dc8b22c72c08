import { UserError } from '../errors.js';
import type { Recipient } from './audience.js';
import { checkTemplate, renderTemplate } from './template.js';
import type { CompiledTemplate, QrImage, TemplateContext, TemplateProblem, TemplateValues } from './template.js';
import { compileTemplate } from './template.js';

/**
 * A lure's templates, checked together and rendered for one recipient: what the SMTP transport
 * sends and what the tracking routes serve.
 *
 *   LureTemplates ─compileLure─▶ CompiledLure ─renderEmail(values)─▶ { subject, senderName, html, text }
 *                                             └renderPage(part, values)─▶ landing or training HTML
 *
 * Subject and sender name end up in mail headers: after rendering, control characters (a CR/LF
 * in someone's first name) become spaces and the text is cut to a header's sensible length, so a
 * recipient's data can never add a header.
 */

export interface LureTemplates {
  readonly subject: string;
  readonly senderName: string;
  readonly html: string;
  readonly text: string;
  readonly landing: string;
  readonly training: string;
}

export type LurePart = keyof LureTemplates;

export interface CompiledLure {
  readonly parts: Readonly<Record<LurePart, CompiledTemplate>>;
}

export interface LurePartProblem extends TemplateProblem {
  readonly part: LurePart;
}

export class LureTemplateError extends UserError {
  constructor(
    readonly problems: readonly LurePartProblem[],
    name: string,
  ) {
    super(
      'FD_TEMPLATE_INVALID',
      problems.map((problem) => `${name}.${problem.part}:${problem.line}:${problem.column} ${problem.message}`).join('\n'),
    );
  }
}

/** The recipient's own links and images, minted by the tracking side. */
export interface RecipientLinks {
  readonly link: string;
  readonly reportLink: string;
  readonly completeLink?: string;
  readonly qr?: QrImage;
  readonly trackingPixel?: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly senderName: string;
  readonly html: string;
  readonly text: string;
}

const CONTEXT: Record<LurePart, TemplateContext> = {
  subject: 'text',
  senderName: 'text',
  html: 'html',
  text: 'text',
  landing: 'html',
  training: 'html',
};
const PARTS = Object.keys(CONTEXT) as LurePart[];
const MAX_HEADER_LENGTH = 200;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]+/g;

/** Every problem of every part, each naming its part; empty when the lure can be saved. */
export function checkLure(templates: LureTemplates): LurePartProblem[] {
  return PARTS.flatMap((part) => checkTemplate(templates[part], CONTEXT[part]).map((problem) => ({ part, ...problem })));
}

/** All parts compiled; throws LureTemplateError with every problem of every part (`name` prefixes each). */
export function compileLure(templates: LureTemplates, name = 'lure'): CompiledLure {
  const problems = checkLure(templates);
  if (problems.length > 0) throw new LureTemplateError(problems, name);
  const parts = Object.fromEntries(PARTS.map((part) => [part, compileTemplate(templates[part], CONTEXT[part])]));
  return { parts: parts as Record<LurePart, CompiledTemplate> };
}

/** The values a recipient's lure is rendered with: only what the templates may name. */
export function recipientValues(recipient: Recipient, links: RecipientLinks, company: string): TemplateValues {
  return {
    firstName: recipient.firstName,
    lastName: recipient.lastName,
    email: recipient.email,
    department: recipient.department,
    company,
    ...links,
  };
}

/** The email for one recipient; the sender name is rendered first, then written into the rest. */
export function renderEmail(lure: CompiledLure, values: TemplateValues): RenderedEmail {
  const senderName = headerText(renderTemplate(lure.parts.senderName, values));
  const withSender = { ...values, senderName };
  return {
    senderName,
    subject: headerText(renderTemplate(lure.parts.subject, withSender)),
    html: renderTemplate(lure.parts.html, withSender),
    text: renderTemplate(lure.parts.text, withSender),
  };
}

/** The landing or training page for one recipient (landing pages still go through sanitiseLanding when saved). */
export function renderPage(lure: CompiledLure, part: 'landing' | 'training', values: TemplateValues): string {
  return renderTemplate(lure.parts[part], { ...values, senderName: headerText(renderTemplate(lure.parts.senderName, values)) });
}

/** One line, no control characters, at most MAX_HEADER_LENGTH characters. */
function headerText(text: string): string {
  const line = text.replace(CONTROL, ' ').replace(/ {2,}/g, ' ').trim();
  return line.length > MAX_HEADER_LENGTH ? `${line.slice(0, MAX_HEADER_LENGTH - 1)}…` : line;
}
