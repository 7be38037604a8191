import { createTransport } from 'nodemailer';
import type { MailMessage, Mailer } from './mailer.js';

/** Sends mail through the SMTP server in SMTP_URL (smtp:// or smtps://, with user:pass when it needs them). */
export class SmtpMailer implements Mailer {
  private readonly transport;

  constructor(options: { url: string; from: string }) {
    this.transport = createTransport(
      {
        url: options.url,
        // Nodemailer waits minutes by default; a caller waiting on a mail should learn sooner that
        // the server is unreachable.
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      },
      { from: options.from },
    );
  }

  /** Resolves once the server has accepted the message; rejects when it could not be delivered. */
  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
