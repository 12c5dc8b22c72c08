import { defineLure } from './lure.js';

/** "Your password expires today": the IT service desk impersonated. */
export const passwordExpiry = defineLure('password-expiry', 'Password expiry', {
  en: {
    subject: 'Your password expires in 2 hours',
    senderName: '{{company}} IT Service Desk',
    greeting: 'Dear user,',
    paragraphs: [
      'The password of your account {{email}} expires today. After it expires you will lose access to email and shared files.',
      'Keep your current password in one click.',
    ],
    action: 'Keep my current password',
    signOff: 'Regards,',
    landing: {
      title: 'Password renewal',
      intro: 'Enter your current password to keep it for another 90 days.',
      fields: [
        { label: 'Username', type: 'text' },
        { label: 'Current password', type: 'password' },
      ],
      submit: 'Keep password',
    },
    training: {
      title: 'It was an exercise: the password that was not expiring',
      signs: [
        { sign: '"Dear user"', detail: 'your own IT team knows your name; a generic greeting is a mass mailing.' },
        { sign: 'A threat of losing access', detail: 'fear of being locked out is the lever; IT warns days ahead, in the usual tools.' },
        {
          sign: '"Keep your current password"',
          detail: 'no real renewal asks for the current password on a web page reached from an email.',
        },
      ],
    },
  },
  fr: {
    subject: 'Votre mot de passe expire dans 2 heures',
    senderName: 'Support informatique {{company}}',
    greeting: 'Cher utilisateur,',
    paragraphs: [
      "Le mot de passe de votre compte {{email}} expire aujourd'hui. Passé ce délai, vous perdrez l'accès à la messagerie et aux fichiers partagés.",
      'Conservez votre mot de passe actuel en un clic.',
    ],
    action: 'Conserver mon mot de passe',
    signOff: 'Cordialement,',
    landing: {
      title: 'Renouvellement du mot de passe',
      intro: 'Saisissez votre mot de passe actuel pour le conserver 90 jours de plus.',
      fields: [
        { label: "Nom d'utilisateur", type: 'text' },
        { label: 'Mot de passe actuel', type: 'password' },
      ],
      submit: 'Conserver',
    },
    training: {
      title: "C'était un exercice : le mot de passe qui n'expirait pas",
      signs: [
        {
          sign: '« Cher utilisateur »',
          detail: 'votre équipe informatique connaît votre nom ; une formule générique signe un envoi de masse.',
        },
        {
          sign: "La menace de perdre l'accès",
          detail: "la peur d'être bloqué est le levier ; l'informatique prévient des jours avant, dans les outils habituels.",
        },
        {
          sign: '« Conservez votre mot de passe »',
          detail: 'aucun vrai renouvellement ne demande le mot de passe actuel sur une page ouverte depuis un e-mail.',
        },
      ],
    },
  },
});
