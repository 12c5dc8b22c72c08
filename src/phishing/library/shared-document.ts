import { defineLure } from './lure.js';

/** A colleague "shared a document": the most common credential lure. */
export const sharedDocument = defineLure('shared-document', 'Shared document', {
  en: {
    subject: 'A document was shared with you: "Q3 budget review"',
    senderName: 'Document sharing – {{company}}',
    greeting: 'Hi {{firstName}},',
    paragraphs: [
      'A document was shared with you: "Q3 budget review – {{department}}.xlsx".',
      'The link expires in 24 hours. Sign in to open it.',
    ],
    action: 'Open the document',
    signOff: 'Sent by',
    landing: {
      title: 'Sign in to view the document',
      intro: 'This document is protected. Sign in with your work account to continue.',
      fields: [
        { label: 'Email', type: 'email' },
        { label: 'Password', type: 'password' },
      ],
      submit: 'Sign in',
    },
    training: {
      title: 'It was an exercise: the document that needed your password',
      signs: [
        { sign: 'A share notice without a person', detail: 'real shares name the colleague who shared; ask them directly if in doubt.' },
        { sign: 'A link that expires soon', detail: 'an expiry is a way to rush you; a real colleague will share again.' },
        {
          sign: 'A sign-in page after the click',
          detail: "look at the address bar: only your organisation's usual sign-in page should ever ask for your password.",
        },
      ],
    },
  },
  fr: {
    subject: 'Un document a été partagé avec vous : « Revue budgétaire T3 »',
    senderName: 'Partage de documents – {{company}}',
    greeting: 'Bonjour {{firstName}},',
    paragraphs: [
      'Un document a été partagé avec vous : « Revue budgétaire T3 – {{department}}.xlsx ».',
      "Le lien expire dans 24 heures. Connectez-vous pour l'ouvrir.",
    ],
    action: 'Ouvrir le document',
    signOff: 'Envoyé par',
    landing: {
      title: 'Connectez-vous pour voir le document',
      intro: 'Ce document est protégé. Connectez-vous avec votre compte professionnel pour continuer.',
      fields: [
        { label: 'E-mail', type: 'email' },
        { label: 'Mot de passe', type: 'password' },
      ],
      submit: 'Se connecter',
    },
    training: {
      title: "C'était un exercice : le document qui voulait votre mot de passe",
      signs: [
        {
          sign: 'Un partage sans personne derrière',
          detail: 'un vrai partage nomme le collègue qui partage ; en cas de doute, demandez-lui directement.',
        },
        { sign: 'Un lien qui expire bientôt', detail: "l'expiration sert à vous presser ; un vrai collègue partagera à nouveau." },
        {
          sign: 'Une page de connexion après le clic',
          detail: "regardez la barre d'adresse : seule la page de connexion habituelle de votre organisation demande votre mot de passe.",
        },
      ],
    },
  },
});
