import { defineLure } from './lure.js';

/** A parcel held for a missing detail; carries a QR code, the lure of the physical drills. */
export const parcelDelivery = defineLure('parcel-delivery', 'Parcel delivery', {
  en: {
    subject: 'Your parcel could not be delivered – action needed today',
    senderName: '{{company}} Mailroom',
    greeting: 'Hello {{firstName}},',
    paragraphs: [
      'A parcel addressed to you arrived at reception but could not be handed over: the delivery address is incomplete.',
      'Please confirm your details before 6 pm today, or the parcel will be returned to the sender.',
    ],
    action: 'Confirm my delivery details',
    signOff: 'Thank you,',
    qr: true,
    landing: {
      title: 'Delivery confirmation',
      intro: 'Sign in with your work account to confirm the delivery address.',
      fields: [
        { label: 'Work email', type: 'email' },
        { label: 'Password', type: 'password' },
      ],
      submit: 'Confirm delivery',
    },
    training: {
      title: 'It was an exercise: the parcel that was never there',
      signs: [
        { sign: 'A deadline of a few hours', detail: 'urgency is there to make you act before you think; real deliveries wait for you.' },
        { sign: 'Were you expecting a parcel?', detail: 'a delivery you did not order is a reason to check, not to click.' },
        { sign: 'A password asked for a delivery', detail: 'no mailroom needs your work password; reception can be called or visited.' },
        { sign: 'A QR code in an email', detail: 'a code hides where it leads; on a phone, the address is even harder to check.' },
      ],
    },
  },
  fr: {
    subject: "Votre colis n'a pas pu être livré – action requise aujourd'hui",
    senderName: 'Courrier {{company}}',
    greeting: 'Bonjour {{firstName}},',
    paragraphs: [
      "Un colis à votre nom est arrivé à l'accueil mais n'a pas pu vous être remis : l'adresse de livraison est incomplète.",
      "Merci de confirmer vos informations avant 18 h aujourd'hui, sans quoi le colis sera renvoyé à l'expéditeur.",
    ],
    action: 'Confirmer mes informations',
    signOff: 'Merci,',
    qr: true,
    landing: {
      title: 'Confirmation de livraison',
      intro: "Connectez-vous avec votre compte professionnel pour confirmer l'adresse de livraison.",
      fields: [
        { label: 'Adresse e-mail professionnelle', type: 'email' },
        { label: 'Mot de passe', type: 'password' },
      ],
      submit: 'Confirmer la livraison',
    },
    training: {
      title: "C'était un exercice : le colis qui n'existait pas",
      signs: [
        { sign: 'Un délai de quelques heures', detail: "l'urgence pousse à agir avant de réfléchir ; une vraie livraison vous attend." },
        {
          sign: 'Attendiez-vous un colis ?',
          detail: "une livraison que vous n'avez pas commandée est une raison de vérifier, pas de cliquer.",
        },
        {
          sign: 'Un mot de passe pour un colis',
          detail: "aucun service courrier n'a besoin de votre mot de passe ; l'accueil se joint par téléphone.",
        },
        {
          sign: 'Un QR code dans un e-mail',
          detail: "un code cache l'adresse où il mène ; sur un téléphone, elle est encore plus dure à vérifier.",
        },
      ],
    },
  },
});
