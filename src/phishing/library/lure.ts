import type { Language } from '../audience.js';
import { escapeHtml } from '../html-tokens.js';

/**
 * A starter lure is written as copy (the words, per language) and composed here into the four
 * templates a campaign needs, so every lure has the same safe shape:
 *
 *   email html + text ─click─▶ landing page (form: no field names) ─submit─▶ training page
 *          └─ footer: report link              └─ completion button ◀──────────────┘
 *
 * Copy is plain text with `{{variables}}`; it is HTML-escaped here, placeholders untouched.
 * Senders are fictional and named after the organisation (`{{company}}`): never a real brand,
 * never a real domain.
 */

export interface SignOfPhishing {
  /** Short, highlighted: what was in this lure. */
  readonly sign: string;
  /** One sentence: how to notice it next time. */
  readonly detail: string;
}

export interface LureCopy {
  readonly subject: string;
  readonly senderName: string;
  readonly greeting: string;
  readonly paragraphs: readonly string[];
  /** The link's words. */
  readonly action: string;
  readonly signOff: string;
  /** Shows the QR code under the link (`{{qr}}`). */
  readonly qr?: boolean;
  readonly landing: {
    readonly title: string;
    readonly intro: string;
    readonly fields: readonly { readonly label: string; readonly type: 'text' | 'email' | 'password' }[];
    readonly submit: string;
  };
  readonly training: { readonly title: string; readonly signs: readonly SignOfPhishing[] };
}

/** The templates of one lure in one language; each passes `checkTemplate`. */
export interface LureContent {
  readonly language: Language;
  readonly subject: string;
  readonly senderName: string;
  readonly html: string;
  readonly text: string;
  readonly landing: string;
  readonly training: string;
  readonly signs: readonly SignOfPhishing[];
}

export interface Lure {
  /** Stable key, e.g. `parcel-delivery`. */
  readonly id: string;
  readonly title: string;
  readonly content: Readonly<Record<Language, LureContent>>;
}

/** Words every lure shares, per language. */
const CHROME: Record<
  Language,
  { report: string; reportLink: string; trainingIntro: string; signsTitle: string; done: string; thanks: string }
> = {
  en: {
    report: 'Something looks off?',
    reportLink: 'Report this email',
    trainingIntro:
      'This was a Firedrill exercise run by {{company}}. Nobody is in trouble, and nothing you typed was sent anywhere: ' +
      'these messages are made to be convincing. Two minutes to see what gave it away:',
    signsTitle: 'The signs in this message',
    done: 'Done — I have read this',
    thanks: 'Next time, the report button is the best reflex: it warns the security team within minutes.',
  },
  fr: {
    report: 'Quelque chose vous semble étrange ?',
    reportLink: 'Signaler ce message',
    trainingIntro:
      "Ceci était un exercice Firedrill mené par {{company}}. Personne n'est en faute, et rien de ce que vous avez saisi n'a été envoyé : " +
      'ces messages sont faits pour être convaincants. Deux minutes pour voir ce qui pouvait le trahir :',
    signsTitle: 'Les indices dans ce message',
    done: "C'est lu, merci",
    thanks: "La prochaine fois, le bouton de signalement est le meilleur réflexe : il prévient l'équipe sécurité en quelques minutes.",
  },
};

export function composeLure(language: Language, copy: LureCopy): LureContent {
  const chrome = CHROME[language];
  const e = escapeHtml;
  const html = [
    '<!doctype html>',
    `<html lang="${language}"><body style="font-family:Arial,sans-serif;font-size:15px;color:#222">`,
    `<p>${e(copy.greeting)}</p>`,
    ...copy.paragraphs.map((paragraph) => `<p>${e(paragraph)}</p>`),
    `<p><a href="{{link}}" style="background:#1a5fb4;color:#fff;padding:10px 16px;text-decoration:none;border-radius:4px">${e(copy.action)}</a></p>`,
    ...(copy.qr ? ['<p>{{qr}}</p>'] : []),
    `<p>${e(copy.signOff)}<br>{{senderName}}</p>`,
    `<hr><p style="font-size:12px;color:#666">${e(chrome.report)} <a href="{{reportLink}}">${e(chrome.reportLink)}</a></p>`,
    '{{trackingPixel}}',
    '</body></html>',
  ].join('\n');
  const text = [
    copy.greeting,
    '',
    ...copy.paragraphs.flatMap((paragraph) => [paragraph, '']),
    `${copy.action}: {{link}}`,
    '',
    copy.signOff,
    '{{senderName}}',
    '',
    '--',
    `${chrome.report} ${chrome.reportLink}: {{reportLink}}`,
  ].join('\n');
  const landing = [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${e(copy.landing.title)}</title></head>`,
    '<body style="font-family:Arial,sans-serif;max-width:420px;margin:40px auto">',
    `<h1 style="font-size:20px">${e(copy.landing.title)}</h1>`,
    `<p>${e(copy.landing.intro)}</p>`,
    '<form method="post">',
    ...copy.landing.fields.map(
      (field) => `<p><label>${e(field.label)}<br><input type="${field.type}" autocomplete="off" style="width:100%"></label></p>`,
    ),
    `<p><button type="submit">${e(copy.landing.submit)}</button></p>`,
    '</form>',
    '</body></html>',
  ].join('\n');
  const training = [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${e(copy.training.title)}</title></head>`,
    '<body style="font-family:Arial,sans-serif;max-width:560px;margin:40px auto;line-height:1.5">',
    `<h1 style="font-size:22px">${e(copy.training.title)}</h1>`,
    `<p>${e(chrome.trainingIntro)}</p>`,
    `<h2 style="font-size:17px">${e(chrome.signsTitle)}</h2>`,
    '<ol>',
    ...copy.training.signs.map((sign) => `<li><mark>${e(sign.sign)}</mark> — ${e(sign.detail)}</li>`),
    '</ol>',
    `<p>${e(chrome.thanks)}</p>`,
    `<form method="post" action="{{completeLink}}"><button type="submit">${e(chrome.done)}</button></form>`,
    '</body></html>',
  ].join('\n');
  return { language, subject: copy.subject, senderName: copy.senderName, html, text, landing, training, signs: copy.training.signs };
}

/** A lure from its copy in each language. */
export function defineLure(id: string, title: string, copy: Readonly<Record<Language, LureCopy>>): Lure {
  return { id, title, content: { en: composeLure('en', copy.en), fr: composeLure('fr', copy.fr) } };
}
