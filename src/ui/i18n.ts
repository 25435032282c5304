/**
 * The pages' message catalogue and language negotiation. English is the source catalogue; every other language must
 * translate every message (the compiler checks it). A message is trusted HTML; `{name}` placeholders are filled with
 * escaped values. The page language comes from `ui_locales` (OIDC Core §3.1.2.1, a space-separated BCP 47 list in
 * order of preference), else from the Accept-Language header (RFC 9110 §12.5.4), else English.
 *
 * To add a message: add it to `en` and to each other catalogue.
 */
import { esc } from './html.js';

const en = {
  brand: 'Tessera',
  'frame.title': 'Sign-out notice',
  'login.title': 'Sign in',
  'login.lead': 'to continue to <strong>{client}</strong> with your <strong>{community}</strong> account',
  'login.tenant': 'Organisation: <strong>{tenant}</strong>',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.failed': 'The username or password is incorrect.',
  'login.upstreams': 'Or sign in with another provider',
  'login.continueWith': 'Continue with',
  'consent.title': 'Allow access?',
  'consent.lead': '<strong>{client}</strong> wants to use your account <strong>{user}</strong> to:',
  'consent.claims': 'It also asks to see:',
  'consent.allow': 'Allow',
  'consent.deny': 'Deny',
  'scope.openid': 'Sign you in with your account',
  'scope.profile': 'See your name and basic profile',
  'scope.email': 'See your email address',
  'scope.address': 'See your postal address',
  'scope.phone': 'See your phone number',
  'scope.offline_access': 'Stay signed in and act for you while you are away',
  'scope.other': 'Use the “{scope}” permission',
  'claim.name': 'Your full name',
  'claim.given_name': 'Your first name',
  'claim.family_name': 'Your last name',
  'claim.middle_name': 'Your middle name',
  'claim.nickname': 'Your nickname',
  'claim.preferred_username': 'Your username',
  'claim.profile': 'Your profile page',
  'claim.picture': 'Your picture',
  'claim.website': 'Your website',
  'claim.gender': 'Your gender',
  'claim.birthdate': 'Your date of birth',
  'claim.zoneinfo': 'Your time zone',
  'claim.locale': 'Your language',
  'claim.updated_at': 'When your profile was last updated',
  'claim.email': 'Your email address',
  'claim.email_verified': 'Whether your email address is verified',
  'claim.address': 'Your postal address',
  'claim.phone_number': 'Your phone number',
  'claim.phone_number_verified': 'Whether your phone number is verified',
  'claim.required': '(required)',
  'chooser.title': 'Choose an account',
  'chooser.lead': 'to continue to <strong>{client}</strong>',
  'chooser.another': 'Use another account',
  'chooser.signedIn': 'Signed in',
  'logout.title': 'Sign out?',
  'logout.lead': 'You will be signed out of <strong>{community}</strong> on this browser.',
  'logout.stay': 'Stay signed in',
  'logout.confirm': 'Sign out',
  'loggedOut.title': 'Signed out',
  'loggedOut.heading': 'You are signed out',
  'loggedOut.still': 'You are still signed in',
  'loggedOut.close': 'You can close this window.',
  'loggedOut.continue': 'Continue',
  'error.title': 'Something went wrong',
  'error.code': 'Error code:',
  'error.formExpired': 'The form expired. Please try again.',
  'error.logoutFormExpired': 'The sign-out form expired. Please try again.',
  'error.invalidInteraction': 'This sign-in request is not valid.',
  'error.interactionExpired': 'This sign-in request has expired or was already completed. Return to the application and start again.',
  'error.otherBrowser': 'This sign-in request was started in another browser. Return to the application and start again.',
  'error.clientGone': 'The application is no longer registered.',
  'error.completed': 'This sign-in request was already completed.',
  'error.accountGone': 'The account no longer exists.',
  'error.alreadySignedIn': 'You are already signed in for this request.',
  'error.accountNotSignedIn': 'That account is no longer signed in on this browser.',
  'sessions.title': 'Your sessions',
  'sessions.lead': 'You are signed in to <strong>{community}</strong> as <strong>{user}</strong> in {places}, and to these apps:',
  'sessions.onePlace': 'one place',
  'sessions.places': '{count} places',
  'sessions.thisBrowser': 'This browser',
  'sessions.otherBrowser': 'Another browser or device',
  'sessions.signedInAt': 'signed in {when}',
  'sessions.noApps': 'No apps yet',
  'sessions.signOutAll': 'Sign out everywhere',
  'sessions.notSignedIn.title': 'Not signed in',
  'sessions.notSignedIn.heading': 'You are not signed in',
  'sessions.notSignedIn.lead': 'This browser has no <strong>{community}</strong> session.',
};

export type MessageId = keyof typeof en;
type Catalogue = Record<MessageId, string>;

const de: Catalogue = {
  brand: 'Tessera',
  'frame.title': 'Abmeldehinweis',
  'login.title': 'Anmelden',
  'login.lead': 'um mit Ihrem <strong>{community}</strong>-Konto zu <strong>{client}</strong> fortzufahren',
  'login.tenant': 'Organisation: <strong>{tenant}</strong>',
  'login.username': 'Benutzername',
  'login.password': 'Passwort',
  'login.submit': 'Anmelden',
  'login.failed': 'Benutzername oder Passwort ist falsch.',
  'login.upstreams': 'Oder mit einem anderen Anbieter anmelden',
  'login.continueWith': 'Weiter mit',
  'consent.title': 'Zugriff erlauben?',
  'consent.lead': '<strong>{client}</strong> möchte Ihr Konto <strong>{user}</strong> verwenden, um:',
  'consent.claims': 'Außerdem möchte die Anwendung sehen:',
  'consent.allow': 'Erlauben',
  'consent.deny': 'Ablehnen',
  'scope.openid': 'Sie mit Ihrem Konto anzumelden',
  'scope.profile': 'Ihren Namen und Ihr Basisprofil zu sehen',
  'scope.email': 'Ihre E-Mail-Adresse zu sehen',
  'scope.address': 'Ihre Postanschrift zu sehen',
  'scope.phone': 'Ihre Telefonnummer zu sehen',
  'scope.offline_access': 'angemeldet zu bleiben und in Ihrer Abwesenheit für Sie zu handeln',
  'scope.other': 'die Berechtigung „{scope}“ zu nutzen',
  'claim.name': 'Ihren vollständigen Namen',
  'claim.given_name': 'Ihren Vornamen',
  'claim.family_name': 'Ihren Nachnamen',
  'claim.middle_name': 'Ihren zweiten Vornamen',
  'claim.nickname': 'Ihren Spitznamen',
  'claim.preferred_username': 'Ihren Benutzernamen',
  'claim.profile': 'Ihre Profilseite',
  'claim.picture': 'Ihr Bild',
  'claim.website': 'Ihre Website',
  'claim.gender': 'Ihr Geschlecht',
  'claim.birthdate': 'Ihr Geburtsdatum',
  'claim.zoneinfo': 'Ihre Zeitzone',
  'claim.locale': 'Ihre Sprache',
  'claim.updated_at': 'wann Ihr Profil zuletzt geändert wurde',
  'claim.email': 'Ihre E-Mail-Adresse',
  'claim.email_verified': 'ob Ihre E-Mail-Adresse bestätigt ist',
  'claim.address': 'Ihre Postanschrift',
  'claim.phone_number': 'Ihre Telefonnummer',
  'claim.phone_number_verified': 'ob Ihre Telefonnummer bestätigt ist',
  'claim.required': '(erforderlich)',
  'chooser.title': 'Konto auswählen',
  'chooser.lead': 'um zu <strong>{client}</strong> fortzufahren',
  'chooser.another': 'Anderes Konto verwenden',
  'chooser.signedIn': 'Angemeldet',
  'logout.title': 'Abmelden?',
  'logout.lead': 'Sie werden in diesem Browser von <strong>{community}</strong> abgemeldet.',
  'logout.stay': 'Angemeldet bleiben',
  'logout.confirm': 'Abmelden',
  'loggedOut.title': 'Abgemeldet',
  'loggedOut.heading': 'Sie sind abgemeldet',
  'loggedOut.still': 'Sie sind weiterhin angemeldet',
  'loggedOut.close': 'Sie können dieses Fenster schließen.',
  'loggedOut.continue': 'Weiter',
  'error.title': 'Etwas ist schiefgelaufen',
  'error.code': 'Fehlercode:',
  'error.formExpired': 'Das Formular ist abgelaufen. Bitte versuchen Sie es erneut.',
  'error.logoutFormExpired': 'Das Abmeldeformular ist abgelaufen. Bitte versuchen Sie es erneut.',
  'error.invalidInteraction': 'Diese Anmeldeanfrage ist ungültig.',
  'error.interactionExpired': 'Diese Anmeldeanfrage ist abgelaufen oder wurde bereits abgeschlossen. Kehren Sie zur Anwendung zurück und beginnen Sie erneut.',
  'error.otherBrowser': 'Diese Anmeldeanfrage wurde in einem anderen Browser gestartet. Kehren Sie zur Anwendung zurück und beginnen Sie erneut.',
  'error.clientGone': 'Die Anwendung ist nicht mehr registriert.',
  'error.completed': 'Diese Anmeldeanfrage wurde bereits abgeschlossen.',
  'error.accountGone': 'Das Konto existiert nicht mehr.',
  'error.alreadySignedIn': 'Sie sind für diese Anfrage bereits angemeldet.',
  'error.accountNotSignedIn': 'Dieses Konto ist in diesem Browser nicht mehr angemeldet.',
  'sessions.title': 'Ihre Sitzungen',
  'sessions.lead': 'Sie sind bei <strong>{community}</strong> als <strong>{user}</strong> an {places} angemeldet, und bei diesen Anwendungen:',
  'sessions.onePlace': 'einem Ort',
  'sessions.places': '{count} Orten',
  'sessions.thisBrowser': 'Dieser Browser',
  'sessions.otherBrowser': 'Ein anderer Browser oder ein anderes Gerät',
  'sessions.signedInAt': 'angemeldet {when}',
  'sessions.noApps': 'Noch keine Anwendungen',
  'sessions.signOutAll': 'Überall abmelden',
  'sessions.notSignedIn.title': 'Nicht angemeldet',
  'sessions.notSignedIn.heading': 'Sie sind nicht angemeldet',
  'sessions.notSignedIn.lead': 'Dieser Browser hat keine <strong>{community}</strong>-Sitzung.',
};

const fr: Catalogue = {
  brand: 'Tessera',
  'frame.title': 'Avis de déconnexion',
  'login.title': 'Connexion',
  'login.lead': 'pour continuer vers <strong>{client}</strong> avec votre compte <strong>{community}</strong>',
  'login.tenant': 'Organisation : <strong>{tenant}</strong>',
  'login.username': 'Nom d’utilisateur',
  'login.password': 'Mot de passe',
  'login.submit': 'Se connecter',
  'login.failed': 'Le nom d’utilisateur ou le mot de passe est incorrect.',
  'login.upstreams': 'Ou se connecter avec un autre fournisseur',
  'login.continueWith': 'Continuer avec',
  'consent.title': 'Autoriser l’accès ?',
  'consent.lead': '<strong>{client}</strong> souhaite utiliser votre compte <strong>{user}</strong> pour :',
  'consent.claims': 'L’application demande aussi à voir :',
  'consent.allow': 'Autoriser',
  'consent.deny': 'Refuser',
  'scope.openid': 'vous connecter avec votre compte',
  'scope.profile': 'voir votre nom et votre profil de base',
  'scope.email': 'voir votre adresse e-mail',
  'scope.address': 'voir votre adresse postale',
  'scope.phone': 'voir votre numéro de téléphone',
  'scope.offline_access': 'rester connecté et agir pour vous en votre absence',
  'scope.other': 'utiliser l’autorisation « {scope} »',
  'claim.name': 'Votre nom complet',
  'claim.given_name': 'Votre prénom',
  'claim.family_name': 'Votre nom de famille',
  'claim.middle_name': 'Votre deuxième prénom',
  'claim.nickname': 'Votre surnom',
  'claim.preferred_username': 'Votre nom d’utilisateur',
  'claim.profile': 'Votre page de profil',
  'claim.picture': 'Votre photo',
  'claim.website': 'Votre site web',
  'claim.gender': 'Votre genre',
  'claim.birthdate': 'Votre date de naissance',
  'claim.zoneinfo': 'Votre fuseau horaire',
  'claim.locale': 'Votre langue',
  'claim.updated_at': 'La date de dernière mise à jour de votre profil',
  'claim.email': 'Votre adresse e-mail',
  'claim.email_verified': 'Si votre adresse e-mail est vérifiée',
  'claim.address': 'Votre adresse postale',
  'claim.phone_number': 'Votre numéro de téléphone',
  'claim.phone_number_verified': 'Si votre numéro de téléphone est vérifié',
  'claim.required': '(obligatoire)',
  'chooser.title': 'Choisissez un compte',
  'chooser.lead': 'pour continuer vers <strong>{client}</strong>',
  'chooser.another': 'Utiliser un autre compte',
  'chooser.signedIn': 'Connecté',
  'logout.title': 'Se déconnecter ?',
  'logout.lead': 'Vous serez déconnecté de <strong>{community}</strong> sur ce navigateur.',
  'logout.stay': 'Rester connecté',
  'logout.confirm': 'Se déconnecter',
  'loggedOut.title': 'Déconnecté',
  'loggedOut.heading': 'Vous êtes déconnecté',
  'loggedOut.still': 'Vous êtes toujours connecté',
  'loggedOut.close': 'Vous pouvez fermer cette fenêtre.',
  'loggedOut.continue': 'Continuer',
  'error.title': 'Un problème est survenu',
  'error.code': 'Code d’erreur :',
  'error.formExpired': 'Le formulaire a expiré. Veuillez réessayer.',
  'error.logoutFormExpired': 'Le formulaire de déconnexion a expiré. Veuillez réessayer.',
  'error.invalidInteraction': 'Cette demande de connexion n’est pas valide.',
  'error.interactionExpired': 'Cette demande de connexion a expiré ou est déjà terminée. Revenez à l’application et recommencez.',
  'error.otherBrowser': 'Cette demande de connexion a été commencée dans un autre navigateur. Revenez à l’application et recommencez.',
  'error.clientGone': 'L’application n’est plus enregistrée.',
  'error.completed': 'Cette demande de connexion est déjà terminée.',
  'error.accountGone': 'Le compte n’existe plus.',
  'error.alreadySignedIn': 'Vous êtes déjà connecté pour cette demande.',
  'error.accountNotSignedIn': 'Ce compte n’est plus connecté sur ce navigateur.',
  'sessions.title': 'Vos sessions',
  'sessions.lead': 'Vous êtes connecté à <strong>{community}</strong> en tant que <strong>{user}</strong> à {places}, et à ces applications :',
  'sessions.onePlace': 'un endroit',
  'sessions.places': '{count} endroits',
  'sessions.thisBrowser': 'Ce navigateur',
  'sessions.otherBrowser': 'Un autre navigateur ou appareil',
  'sessions.signedInAt': 'connecté le {when}',
  'sessions.noApps': 'Aucune application pour l’instant',
  'sessions.signOutAll': 'Se déconnecter partout',
  'sessions.notSignedIn.title': 'Non connecté',
  'sessions.notSignedIn.heading': 'Vous n’êtes pas connecté',
  'sessions.notSignedIn.lead': 'Ce navigateur n’a pas de session <strong>{community}</strong>.',
};

const es: Catalogue = {
  brand: 'Tessera',
  'frame.title': 'Aviso de cierre de sesión',
  'login.title': 'Iniciar sesión',
  'login.lead': 'para continuar a <strong>{client}</strong> con tu cuenta de <strong>{community}</strong>',
  'login.tenant': 'Organización: <strong>{tenant}</strong>',
  'login.username': 'Nombre de usuario',
  'login.password': 'Contraseña',
  'login.submit': 'Iniciar sesión',
  'login.failed': 'El nombre de usuario o la contraseña no son correctos.',
  'login.upstreams': 'O inicia sesión con otro proveedor',
  'login.continueWith': 'Continuar con',
  'consent.title': '¿Permitir el acceso?',
  'consent.lead': '<strong>{client}</strong> quiere usar tu cuenta <strong>{user}</strong> para:',
  'consent.claims': 'También pide ver:',
  'consent.allow': 'Permitir',
  'consent.deny': 'Denegar',
  'scope.openid': 'iniciar tu sesión con tu cuenta',
  'scope.profile': 'ver tu nombre y tu perfil básico',
  'scope.email': 'ver tu dirección de correo electrónico',
  'scope.address': 'ver tu dirección postal',
  'scope.phone': 'ver tu número de teléfono',
  'scope.offline_access': 'mantener la sesión y actuar por ti mientras no estás',
  'scope.other': 'usar el permiso «{scope}»',
  'claim.name': 'Tu nombre completo',
  'claim.given_name': 'Tu nombre',
  'claim.family_name': 'Tus apellidos',
  'claim.middle_name': 'Tu segundo nombre',
  'claim.nickname': 'Tu apodo',
  'claim.preferred_username': 'Tu nombre de usuario',
  'claim.profile': 'Tu página de perfil',
  'claim.picture': 'Tu foto',
  'claim.website': 'Tu sitio web',
  'claim.gender': 'Tu género',
  'claim.birthdate': 'Tu fecha de nacimiento',
  'claim.zoneinfo': 'Tu zona horaria',
  'claim.locale': 'Tu idioma',
  'claim.updated_at': 'Cuándo se actualizó tu perfil por última vez',
  'claim.email': 'Tu dirección de correo electrónico',
  'claim.email_verified': 'Si tu correo electrónico está verificado',
  'claim.address': 'Tu dirección postal',
  'claim.phone_number': 'Tu número de teléfono',
  'claim.phone_number_verified': 'Si tu número de teléfono está verificado',
  'claim.required': '(obligatorio)',
  'chooser.title': 'Elige una cuenta',
  'chooser.lead': 'para continuar a <strong>{client}</strong>',
  'chooser.another': 'Usar otra cuenta',
  'chooser.signedIn': 'Sesión iniciada',
  'logout.title': '¿Cerrar sesión?',
  'logout.lead': 'Se cerrará tu sesión de <strong>{community}</strong> en este navegador.',
  'logout.stay': 'Mantener la sesión',
  'logout.confirm': 'Cerrar sesión',
  'loggedOut.title': 'Sesión cerrada',
  'loggedOut.heading': 'Has cerrado la sesión',
  'loggedOut.still': 'Tu sesión sigue iniciada',
  'loggedOut.close': 'Puedes cerrar esta ventana.',
  'loggedOut.continue': 'Continuar',
  'error.title': 'Algo ha salido mal',
  'error.code': 'Código de error:',
  'error.formExpired': 'El formulario ha caducado. Inténtalo de nuevo.',
  'error.logoutFormExpired': 'El formulario para cerrar sesión ha caducado. Inténtalo de nuevo.',
  'error.invalidInteraction': 'Esta solicitud de inicio de sesión no es válida.',
  'error.interactionExpired': 'Esta solicitud de inicio de sesión ha caducado o ya se completó. Vuelve a la aplicación y empieza de nuevo.',
  'error.otherBrowser': 'Esta solicitud de inicio de sesión se inició en otro navegador. Vuelve a la aplicación y empieza de nuevo.',
  'error.clientGone': 'La aplicación ya no está registrada.',
  'error.completed': 'Esta solicitud de inicio de sesión ya se completó.',
  'error.accountGone': 'La cuenta ya no existe.',
  'error.alreadySignedIn': 'Ya has iniciado sesión para esta solicitud.',
  'error.accountNotSignedIn': 'Esa cuenta ya no tiene la sesión iniciada en este navegador.',
  'sessions.title': 'Tus sesiones',
  'sessions.lead': 'Has iniciado sesión en <strong>{community}</strong> como <strong>{user}</strong> en {places}, y en estas aplicaciones:',
  'sessions.onePlace': 'un lugar',
  'sessions.places': '{count} lugares',
  'sessions.thisBrowser': 'Este navegador',
  'sessions.otherBrowser': 'Otro navegador o dispositivo',
  'sessions.signedInAt': 'sesión iniciada {when}',
  'sessions.noApps': 'Todavía ninguna aplicación',
  'sessions.signOutAll': 'Cerrar sesión en todas partes',
  'sessions.notSignedIn.title': 'Sin sesión',
  'sessions.notSignedIn.heading': 'No has iniciado sesión',
  'sessions.notSignedIn.lead': 'Este navegador no tiene ninguna sesión de <strong>{community}</strong>.',
};

export const CATALOGUES = { en, de, fr, es } as const satisfies Record<string, Catalogue>;
export type Locale = keyof typeof CATALOGUES;
export const LOCALES = Object.keys(CATALOGUES) as Locale[];
export const DEFAULT_LOCALE: Locale = 'en';

export function isMessageId(id: string): id is MessageId {
  return Object.hasOwn(en, id);
}

/** The supported locale for one BCP 47 tag, by its primary language subtag (`de-CH` → `de`). */
function supported(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (LOCALES as string[]).includes(primary) ? (primary as Locale) : undefined;
}

/** Accept-Language ranges by descending weight (q=0 dropped; `*` ignored: it is English then). */
function acceptLanguageTags(header: string): string[] {
  return header
    .slice(0, 1024)
    .split(',')
    .map((part, index) => {
      const [range = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/i.exec(p)).find((m) => m)?.[1];
      return { range: range.trim(), weight: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.range !== '' && r.range !== '*' && r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .map((r) => r.range);
}

/** ui_locales first (in its order), then Accept-Language, then English. */
export function negotiateLocale(uiLocales: string | undefined, acceptLanguage: string | undefined): Locale {
  for (const tag of (uiLocales ?? '').slice(0, 1024).split(' ')) {
    const locale = tag ? supported(tag) : undefined;
    if (locale) return locale;
  }
  for (const tag of acceptLanguageTags(acceptLanguage ?? '')) {
    const locale = supported(tag);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

export interface Translator {
  locale: Locale;
  /** The message as HTML, with escaped values for its placeholders. */
  t(id: MessageId, values?: Readonly<Record<string, string | number>>): string;
  /** The message as plain text (for <title> and attributes, which escape it): tags removed, values unescaped. */
  text(id: MessageId, values?: Readonly<Record<string, string | number>>): string;
}

function fill(template: string, values: Readonly<Record<string, string | number>>, encode: (v: string) => string): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? encode(String(values[name])) : whole));
}

export function translator(locale: Locale): Translator {
  const catalogue: Catalogue = CATALOGUES[locale];
  return {
    locale,
    t: (id, values = {}) => fill(catalogue[id], values, esc),
    text: (id, values = {}) => fill(catalogue[id].replace(/<[^>]*>/g, ''), values, (v) => v),
  };
}

/** Negotiates and returns the translator in one step. */
export function translatorFor(uiLocales: string | undefined, acceptLanguage: string | undefined): Translator {
  return translator(negotiateLocale(uiLocales, acceptLanguage));
}
