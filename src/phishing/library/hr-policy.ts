import { defineLure } from './lure.js';

/** A new HR policy to acknowledge: authority and the fear of missing a rule. */
export const hrPolicy = defineLure('hr-policy', 'HR policy update', {
  en: {
    subject: 'Action required: acknowledge the updated remote work policy',
    senderName: '{{company}} People Team',
    greeting: 'Hello {{firstName}},',
    paragraphs: [
      'The remote work policy changes on the 1st of next month, including the days each team works on site.',
      'All employees in {{department}} must read and acknowledge it by Friday.',
    ],
    action: 'Read and acknowledge',
    signOff: 'Best regards,',
    landing: {
      title: 'Policy acknowledgement',
      intro: 'Sign in to read the policy and record your acknowledgement.',
      fields: [
        { label: 'Work email', type: 'email' },
        { label: 'Password', type: 'password' },
      ],
      submit: 'Sign in',
    },
    training: {
      title: 'It was an exercise: the policy that asked for a password',
      signs: [
        {
          sign: '"Action required" and a Friday deadline',
          detail: 'authority plus a deadline is the pattern; HR changes are also announced elsewhere.',
        },
        { sign: 'A topic that touches you personally', detail: 'remote work, pay, holidays: lures choose what you care about.' },
        {
          sign: 'A sign-in to read a document',
          detail: 'policies live on the intranet you already use; open it yourself instead of the link.',
        },
      ],
    },
  },
  fr: {
    subject: 'Action requise : prendre connaissance de la nouvelle politique de télétravail',
    senderName: 'Ressources humaines {{company}}',
    greeting: 'Bonjour {{firstName}},',
    paragraphs: [
      'La politique de télétravail change au 1er du mois prochain, y compris les jours de présence sur site de chaque équipe.',
      'Tous les salariés de {{department}} doivent la lire et en accuser réception avant vendredi.',
    ],
    action: 'Lire et accuser réception',
    signOff: 'Bien à vous,',
    landing: {
      title: 'Accusé de réception',
      intro: 'Connectez-vous pour lire la politique et enregistrer votre accusé de réception.',
      fields: [
        { label: 'E-mail professionnel', type: 'email' },
        { label: 'Mot de passe', type: 'password' },
      ],
      submit: 'Se connecter',
    },
    training: {
      title: "C'était un exercice : la politique qui demandait un mot de passe",
      signs: [
        {
          sign: '« Action requise » et une échéance vendredi',
          detail: "l'autorité plus un délai, voilà le schéma ; les changements RH sont aussi annoncés ailleurs.",
        },
        { sign: 'Un sujet qui vous touche', detail: 'télétravail, salaire, congés : les leurres choisissent ce qui vous importe.' },
        {
          sign: 'Une connexion pour lire un document',
          detail: "les politiques sont sur l'intranet que vous utilisez déjà ; ouvrez-le vous-même plutôt que le lien.",
        },
      ],
    },
  },
});
