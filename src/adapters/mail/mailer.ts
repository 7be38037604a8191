/** One outgoing mail. `text` is always present; `html` is the same content for mail clients that show it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends mail: over SMTP when SMTP_URL is set, otherwise into the development outbox. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
