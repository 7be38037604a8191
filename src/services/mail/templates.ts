/**
 * The mail the service sends, as pure functions of their data. Each gives a plain-text body (always
 * sent, and what the development outbox scans for links and codes) and the same content as HTML.
 */

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** The product's name, in mail and where authenticator apps label the account. */
export const PRODUCT = 'Messenger';

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes a value for HTML text and for double- or single-quoted attributes. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => htmlEntities[c] ?? c);
}

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;

/** Paragraphs of already-escaped HTML in a minimal, widely rendered layout. */
function layout(title: string, paragraphs: string[]): string {
  return [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222;">',
    ...paragraphs.map((p) => `<p>${p}</p>`),
    `<p style="color: #777; font-size: 0.9em;">— The ${PRODUCT} team</p>`,
    '</body></html>',
  ].join('\n');
}

const button = (link: string, label: string) =>
  `<a href="${escapeHtml(link)}" style="display: inline-block; padding: 10px 18px; background: #2b6cb0; color: #fff; text-decoration: none; border-radius: 4px;">${escapeHtml(label)}</a>`;

const linkFallback = (link: string) =>
  `If the button does not work, copy this address into your browser:<br><a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`;

const text = (lines: string[]) => `${[...lines, '', `— The ${PRODUCT} team`].join('\n')}\n`;

export function verifyEmailMail(data: { username: string; link: string; token: string; expiresInHours: number }): MailContent {
  const subject = `Verify your e-mail address for ${PRODUCT}`;
  const expires = plural(data.expiresInHours, 'hour');
  return {
    subject,
    text: text([
      `Hi ${data.username},`,
      '',
      `Welcome to ${PRODUCT}! Please confirm this is your e-mail address by opening this link:`,
      '',
      data.link,
      '',
      `The link works for ${expires}. If the app asks for a verification token instead, enter:`,
      '',
      data.token,
      '',
      `If you did not create a ${PRODUCT} account, you can ignore this mail.`,
    ]),
    html: layout(subject, [
      `Hi ${escapeHtml(data.username)},`,
      `Welcome to ${PRODUCT}! Please confirm this is your e-mail address.`,
      button(data.link, 'Verify my e-mail address'),
      linkFallback(data.link),
      `The link works for ${escapeHtml(expires)}. If the app asks for a verification token instead, enter:<br><code>${escapeHtml(data.token)}</code>`,
      `If you did not create a ${PRODUCT} account, you can ignore this mail.`,
    ]),
  };
}

export function passwordResetMail(data: { username: string; code: string; link: string; expiresInMinutes: number }): MailContent {
  const subject = `Reset your ${PRODUCT} password`;
  const expires = plural(data.expiresInMinutes, 'minute');
  return {
    subject,
    text: text([
      `Hi ${data.username},`,
      '',
      'Someone asked to reset your password. If it was you, enter this code in the app:',
      '',
      data.code,
      '',
      'or open this link to choose a new password:',
      '',
      data.link,
      '',
      `The code and the link work for ${expires}. If you did not ask for this, ignore this mail: your password stays as it is.`,
    ]),
    html: layout(subject, [
      `Hi ${escapeHtml(data.username)},`,
      'Someone asked to reset your password. If it was you, enter this code in the app:',
      `<strong style="font-size: 1.5em; letter-spacing: 0.2em;">${escapeHtml(data.code)}</strong>`,
      'or choose a new password here:',
      button(data.link, 'Choose a new password'),
      linkFallback(data.link),
      `The code and the link work for ${escapeHtml(expires)}. If you did not ask for this, ignore this mail: your password stays as it is.`,
    ]),
  };
}

export function emailChangeMail(data: { username: string; link: string; expiresInHours: number }): MailContent {
  const subject = `Confirm your new e-mail address for ${PRODUCT}`;
  const expires = plural(data.expiresInHours, 'hour');
  return {
    subject,
    text: text([
      `Hi ${data.username},`,
      '',
      `You asked to use this address for your ${PRODUCT} account. Please confirm it by opening this link:`,
      '',
      data.link,
      '',
      `The link works for ${expires}. Until you confirm, your account keeps its current address.`,
      'If you did not ask for this, you can ignore this mail.',
    ]),
    html: layout(subject, [
      `Hi ${escapeHtml(data.username)},`,
      `You asked to use this address for your ${PRODUCT} account. Please confirm it.`,
      button(data.link, 'Confirm my new address'),
      linkFallback(data.link),
      `The link works for ${escapeHtml(expires)}. Until you confirm, your account keeps its current address.`,
      'If you did not ask for this, you can ignore this mail.',
    ]),
  };
}

export function passwordChangedMail(data: { username: string }): MailContent {
  const subject = `Your ${PRODUCT} password was changed`;
  const advice =
    'If this was not you, reset your password right away with "Forgot password?" on the sign-in screen, and review the devices signed in to your account.';
  return {
    subject,
    text: text([`Hi ${data.username},`, '', `The password of your ${PRODUCT} account was just changed. If you did this, all is well.`, '', advice]),
    html: layout(subject, [
      `Hi ${escapeHtml(data.username)},`,
      `The password of your ${PRODUCT} account was just changed. If you did this, all is well.`,
      escapeHtml(advice),
    ]),
  };
}

/** To the old address when a change is asked for, so a stolen session cannot move the account quietly. */
export function emailChangeNoticeMail(data: { username: string; newEmail: string }): MailContent {
  const subject = `Your ${PRODUCT} e-mail address is being changed`;
  const advice = 'If this was not you, change your password and sign out your other devices right away; the new address takes effect only once its link is opened.';
  return {
    subject,
    text: text([`Hi ${data.username},`, '', `Someone asked to move your ${PRODUCT} account to ${data.newEmail}.`, '', advice]),
    html: layout(subject, [
      `Hi ${escapeHtml(data.username)},`,
      `Someone asked to move your ${PRODUCT} account to <strong>${escapeHtml(data.newEmail)}</strong>.`,
      escapeHtml(advice),
    ]),
  };
}

/** To the account's address when a personal access token is made, so one made by someone else is noticed. */
export function apiTokenCreatedMail(data: { username: string; tokenName: string; expiresAt: Date }): MailContent {
  const subject = `A new personal access token was created for your ${PRODUCT} account`;
  const until = data.expiresAt.toISOString().slice(0, 10);
  const advice = 'If this was not you, change your password right away: that revokes every token and signs out your other devices.';
  return {
    subject,
    text: text([
      `Hi ${data.username},`,
      '',
      `A new personal access token was created for your ${PRODUCT} account: "${data.tokenName}". It works until ${until}.`,
      '',
      advice,
    ]),
    html: layout(subject, [
      `Hi ${escapeHtml(data.username)},`,
      `A new personal access token was created for your ${PRODUCT} account: <strong>${escapeHtml(data.tokenName)}</strong>. It works until ${escapeHtml(until)}.`,
      escapeHtml(advice),
    ]),
  };
}

/**
 * A change to how the account signs in (a second factor turned on or off, recovery codes used or
 * made anew, a provider linked), told to its address so that one made by someone else is noticed.
 */
export function securityNoticeMail(data: { username: string; subject: string; what: string }): MailContent {
  const subject = `${data.subject} on your ${PRODUCT} account`;
  const advice = 'If this was not you, reset your password right away and sign out everywhere from the sessions list; then review your second factors.';
  return {
    subject,
    text: text([`Hi ${data.username},`, '', `${data.what} If you did this, all is well.`, '', advice]),
    html: layout(subject, [`Hi ${escapeHtml(data.username)},`, `${escapeHtml(data.what)} If you did this, all is well.`, escapeHtml(advice)]),
  };
}

export function loginCodeMail(data: { username: string; code: string; expiresInMinutes: number }): MailContent {
  const subject = `Your ${PRODUCT} sign-in code: ${data.code}`;
  const expires = plural(data.expiresInMinutes, 'minute');
  const advice = `If you did not just try to sign in, someone knows your password: change it now.`;
  return {
    subject,
    text: text([`Hi ${data.username},`, '', 'Enter this code to finish signing in:', '', data.code, '', `It works once, for ${expires}.`, '', advice]),
    html: layout(subject, [
      `Hi ${escapeHtml(data.username)},`,
      'Enter this code to finish signing in:',
      `<strong style="font-size: 1.5em; letter-spacing: 0.2em;">${escapeHtml(data.code)}</strong>`,
      `It works once, for ${escapeHtml(expires)}.`,
      escapeHtml(advice),
    ]),
  };
}
