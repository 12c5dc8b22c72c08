import { defineLure } from './lure.js';

/** An overdue supplier invoice relayed by accounts payable: aimed at finance, works everywhere. */
export const invoice = defineLure('invoice', 'Overdue invoice', {
  en: {
    subject: 'Overdue invoice INV-20417 – second reminder',
    senderName: '{{company}} Accounts Payable',
    greeting: 'Hello {{firstName}},',
    paragraphs: [
      'A supplier reminds us that invoice INV-20417 is now 30 days overdue, and a late fee will apply from tomorrow.',
      "Please check the invoice and the supplier's new bank details in the supplier portal today.",
    ],
    action: 'View the invoice',
    signOff: 'Kind regards,',
    landing: {
      title: 'Supplier portal',
      intro: 'Sign in with your company email to download invoice INV-20417.',
      fields: [
        { label: 'Company email', type: 'email' },
        { label: 'Password', type: 'password' },
      ],
      submit: 'Download',
    },
    training: {
      title: 'It was an exercise: the invoice nobody sent',
      signs: [
        {
          sign: 'A supplier nobody names',
          detail: 'a real reminder names the supplier and the person who ordered; check it in the accounting system first.',
        },
        { sign: '"New bank details"', detail: 'a change of bank details is always confirmed by phone, with a number you already have.' },
        { sign: 'A late fee from tomorrow', detail: 'pressure on money is a classic lever; accounts payable can check calmly.' },
      ],
    },
  },
  fr: {
    subject: 'Facture INV-20417 impayée – deuxième relance',
    senderName: 'Comptabilité fournisseurs {{company}}',
    greeting: 'Bonjour {{firstName}},',
    paragraphs: [
      "Un fournisseur nous relance : la facture INV-20417 a 30 jours de retard et des pénalités s'appliqueront dès demain.",
      "Merci de vérifier aujourd'hui la facture et les nouvelles coordonnées bancaires du fournisseur sur le portail fournisseurs.",
    ],
    action: 'Voir la facture',
    signOff: 'Bien cordialement,',
    landing: {
      title: 'Portail fournisseurs',
      intro: "Connectez-vous avec l'adresse e-mail de votre entreprise pour télécharger la facture INV-20417.",
      fields: [
        { label: 'E-mail professionnel', type: 'email' },
        { label: 'Mot de passe', type: 'password' },
      ],
      submit: 'Télécharger',
    },
    training: {
      title: "C'était un exercice : la facture que personne n'a envoyée",
      signs: [
        {
          sign: 'Un fournisseur jamais nommé',
          detail: "une vraie relance nomme le fournisseur et la commande ; vérifiez-la d'abord dans la comptabilité.",
        },
        {
          sign: '« Nouvelles coordonnées bancaires »',
          detail: 'un changement de RIB se confirme toujours par téléphone, à un numéro que vous avez déjà.',
        },
        {
          sign: 'Des pénalités dès demain',
          detail: "la pression sur l'argent est un levier classique ; la comptabilité peut vérifier sans se presser.",
        },
      ],
    },
  },
});
