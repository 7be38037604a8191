import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitUntil } from './wait.js';

/** One message as the SMTP server received it. */
export interface CaughtMail {
  /** Envelope recipients, as given in RCPT TO. */
  to: string[];
  /** The From header as parsed, e.g. `"Messenger" <no-reply@localhost>`. */
  from: string;
  subject: string;
  text: string;
  html: string | null;
}

export interface MailCatcher {
  /** `smtp://127.0.0.1:PORT`; any user:pass added to it is accepted. */
  url: string;
  /** Every message received so far, in order of arrival. */
  messages: CaughtMail[];
  /**
   * Resolves with the first message to `to` at index `after` or later whose subject equals a string
   * `subject` or matches a RegExp one; fails listing what did arrive.
   */
  waitForMail(to: string, options?: { subject?: RegExp | string; timeoutMs?: number; after?: number }): Promise<CaughtMail>;
  close(): Promise<void>;
}

/** A real SMTP server on a loopback port that keeps what it receives, for tests that send mail. */
export async function startMailCatcher(): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: no certificate to make, and credentials may travel in the clear.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 1000,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anonymous' }),
    onData: (stream, session, callback) => {
      simpleParser(stream)
        .then((parsed) => {
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: parsed.from?.text ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : ''),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : null,
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  const matches = (mail: CaughtMail, to: string, subject: RegExp | string | undefined) =>
    mail.to.some((address) => address.toLowerCase() === to.toLowerCase()) &&
    (subject === undefined || (typeof subject === 'string' ? mail.subject === subject : subject.test(mail.subject)));

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitForMail: async (to, options = {}) => {
      const { subject, timeoutMs = 5000, after = 0 } = options;
      const find = () => messages.slice(after).find((mail) => matches(mail, to, subject));
      try {
        await waitUntil(() => find() !== undefined, `mail to ${to}`, timeoutMs);
      } catch {
        const arrived = messages.map((m, i) => `  #${i} to ${m.to.join(', ')}: ${JSON.stringify(m.subject)}`).join('\n');
        const wanted = `to ${to}${subject !== undefined ? ` with subject ${String(subject)}` : ''} from #${after} on`;
        throw new Error(`no mail ${wanted} within ${timeoutMs} ms; arrived:\n${arrived || '  (nothing)'}`);
      }
      return find()!;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
