import type { MailMessage, Mailer } from './mailer.js';

// A URL runs until whitespace or a character that usually closes it in prose or markup.
const LINK = /\bhttps?:\/\/[^\s<>"'`()[\]{}]+/gi;
// Trailing punctuation ends the sentence, not the URL.
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;
// Six digits standing alone: not part of a longer number, a word, a decimal, an address or an id
// such as 12-123456.
const CODE = /(?<![\w.,@/-])\d{6}(?![\w@/-]|[.,]\d)/g;

const unique = (values: string[]) => [...new Set(values)];

/**
 * The links (http and https URLs) and the standalone six-digit codes in a mail's text, in order
 * of appearance, without repeats. Digits inside a URL are not codes.
 */
export function extractLinksAndCodes(text: string): { links: string[]; codes: string[] } {
  const links = unique([...text.matchAll(LINK)].map((m) => m[0].replace(TRAILING_PUNCTUATION, '')));
  const withoutLinks = text.replace(LINK, ' ');
  const codes = unique([...withoutLinks.matchAll(CODE)].map((m) => m[0]));
  return { links, codes };
}

/** Where the outbox mailer keeps mail: the store's outbox repository, named here because adapters do not import the store. */
export interface MailOutbox {
  /** Stores one mail; resolves with its id. */
  add(message: MailMessage, createdAt: number): Promise<number>;
}

/**
 * Development stand-in for SMTP: keeps each mail in the outbox (listed at /dev/outbox, with its
 * links and codes) and logs one line naming it. The line leaves the links and codes out: they are
 * credentials, and logs are kept and read more widely than mailboxes.
 */
export class OutboxMailer implements Mailer {
  private readonly outbox: MailOutbox;
  private readonly log: (line: string, details: object) => void;
  private readonly now: () => number;

  constructor(deps: { outbox: MailOutbox; log: (line: string, details: object) => void; now: () => number }) {
    this.outbox = deps.outbox;
    this.log = deps.log;
    this.now = deps.now;
  }

  async send(message: MailMessage): Promise<void> {
    const id = await this.outbox.add(message, this.now());
    this.log(`mail to ${message.to} ${JSON.stringify(message.subject)} kept in the outbox`, { outboxId: id, to: message.to, subject: message.subject });
  }

  async close(): Promise<void> {
    // Nothing of its own to release: the outbox lives in the app's database.
  }
}
