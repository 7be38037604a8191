import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractLinksAndCodes, OutboxMailer } from '../../src/adapters/mail/outbox-mailer.js';
import { SmtpMailer } from '../../src/adapters/mail/smtp-mailer.js';
import { loadConfig } from '../../src/config.js';
import { emailChangeMail, escapeHtml, passwordChangedMail, passwordResetMail, verifyEmailMail } from '../../src/services/mail/templates.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { OutboxRepository } from '../../src/store/outbox-repository.js';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';

describe('SmtpMailer', () => {
  let catcher: MailCatcher;
  beforeAll(async () => {
    catcher = await startMailCatcher();
  });
  afterAll(() => catcher?.close());

  it('delivers to, subject, text and HTML intact, non-ASCII included', async () => {
    const url = catcher.url.replace('smtp://', 'smtp://mailer:secret@');
    const mailer = new SmtpMailer({ url, from: 'Messenger <no-reply@example.test>' });
    try {
      const after = catcher.messages.length;
      const subject = 'Grüße aus Köln — ваш код ✓';
      const text = 'Hallo Jürgen,\n\nhere is your link: https://app.example.test/verify?token=abc\n';
      const html = '<p>Hallo <b>Jürgen</b> 👋</p>';
      await mailer.send({ to: 'juergen@example.test', subject, text, html });
      const mail = await catcher.waitForMail('juergen@example.test', { subject, after });
      expect(mail).toEqual({ to: ['juergen@example.test'], from: '"Messenger" <no-reply@example.test>', subject, text, html });
    } finally {
      await mailer.close();
    }
  });

  it('sends text-only mail without an HTML part', async () => {
    const mailer = new SmtpMailer({ url: catcher.url, from: 'no-reply@example.test' });
    try {
      await mailer.send({ to: 'plain@example.test', subject: 'Plain', text: 'Just text.' });
      const mail = await catcher.waitForMail('plain@example.test', { subject: 'Plain' });
      // A body in transit ends with a line break; the parser keeps the one the sender added.
      expect(mail.text).toBe('Just text.\n');
      expect(mail.html).toBeNull();
    } finally {
      await mailer.close();
    }
  });

  it('rejects when the SMTP server is unreachable', async () => {
    // Port 1 on loopback: nothing listens there.
    const mailer = new SmtpMailer({ url: 'smtp://127.0.0.1:1', from: 'no-reply@example.test' });
    try {
      await expect(mailer.send({ to: 'a@example.test', subject: 'x', text: 'y' })).rejects.toThrow(/ECONNREFUSED|connect/i);
    } finally {
      await mailer.close();
    }
  });
});

describe('mail catcher', () => {
  it('names what did arrive when the expected mail does not', async () => {
    const catcher = await startMailCatcher();
    const mailer = new SmtpMailer({ url: catcher.url, from: 'no-reply@example.test' });
    try {
      await mailer.send({ to: 'someone@example.test', subject: 'Hello', text: 'Hi' });
      await expect(catcher.waitForMail('nobody@example.test', { timeoutMs: 100 })).rejects.toThrow(
        /no mail to nobody@example\.test.*\n.*someone@example\.test: "Hello"/,
      );
    } finally {
      await mailer.close();
      await catcher.close();
    }
  });
});

describe('OutboxRepository and OutboxMailer', () => {
  let environment: TestEnvironment;
  let handle: DatabaseHandle;
  let outbox: OutboxRepository;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    const config = loadConfig(environment.env);
    handle = openDatabase(config);
    await migrateToLatest(handle, config.database.schema);
    outbox = new OutboxRepository(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    await environment?.cleanup();
  });

  it('lists stored mail newest first, page by page with the before cursor', async () => {
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) {
      ids.push(await outbox.add({ to: `user${i}@example.test`, subject: `Mail ${i}`, text: `Body ${i}`, ...(i % 2 ? { html: `<p>${i}</p>` } : {}) }, 1_700_000_000_000 + i));
    }
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const first = await outbox.list({ limit: 2 });
    expect(first).toEqual([
      { id: ids[4], to: 'user5@example.test', subject: 'Mail 5', text: 'Body 5', html: '<p>5</p>', createdAt: 1_700_000_000_005 },
      { id: ids[3], to: 'user4@example.test', subject: 'Mail 4', text: 'Body 4', html: null, createdAt: 1_700_000_000_004 },
    ]);
    const second = await outbox.list({ limit: 2, beforeId: first[1]!.id });
    expect(second.map((m) => m.subject)).toEqual(['Mail 3', 'Mail 2']);
    const third = await outbox.list({ limit: 2, beforeId: second[1]!.id });
    expect(third.map((m) => m.subject)).toEqual(['Mail 1']);
    expect(await outbox.list({ limit: 2, beforeId: third[0]!.id })).toEqual([]);
    expect(typeof third[0]!.createdAt).toBe('number');
  });

  it('keeps each mail and logs one line with its recipient and subject, never its links or codes', async () => {
    const lines: Array<{ line: string; details: object }> = [];
    const mailer = new OutboxMailer({ outbox, log: (line, details) => lines.push({ line, details }), now: () => 1_800_000_000_000 });
    const content = passwordResetMail({ username: 'alice', code: '482913', link: 'http://localhost:8000/reset?token=t0k3n', expiresInMinutes: 30 });
    await mailer.send({ to: 'alice@example.test', ...content });
    await mailer.close();

    expect(lines).toHaveLength(1);
    expect(lines[0]!.line).toBe('mail to alice@example.test "Reset your Messenger password" kept in the outbox');
    expect(lines[0]!.details).toMatchObject({ to: 'alice@example.test', subject: 'Reset your Messenger password' });
    expect(JSON.stringify(lines)).not.toMatch(/t0k3n|482913/);

    const [stored] = await outbox.list({ limit: 1 });
    expect(stored).toMatchObject({ to: 'alice@example.test', subject: content.subject, text: content.text, html: content.html, createdAt: 1_800_000_000_000 });
  });
});

describe('extractLinksAndCodes', () => {
  it('finds http and https links, without the punctuation that ends a sentence', () => {
    const text = 'Open https://app.example.test/verify?token=a-b_c&x=1. Or (http://localhost:8000/x), or <https://e.test/y>!';
    expect(extractLinksAndCodes(text).links).toEqual(['https://app.example.test/verify?token=a-b_c&x=1', 'http://localhost:8000/x', 'https://e.test/y']);
  });

  it('finds standalone six-digit codes, once each', () => {
    expect(extractLinksAndCodes('Your code:\n\n123456\n\nor 654321. Again: 123456').codes).toEqual(['123456', '654321']);
    expect(extractLinksAndCodes('code 000123, done').codes).toEqual(['000123']);
  });

  it('does not take digits inside longer numbers, words, decimals, addresses or URLs', () => {
    const text = [
      '1234567 and 12345 and 9876543210',
      'abc123456 and 123456abc and 123456_x',
      '3.141592 and 123456.78 and 1,234567',
      'order 12-345678 and 123456@example.test',
      'https://example.test/reset/482913?code=654321#111222',
    ].join('\n');
    expect(extractLinksAndCodes(text)).toEqual({ links: ['https://example.test/reset/482913?code=654321#111222'], codes: [] });
  });

  it('finds nothing in plain prose', () => {
    expect(extractLinksAndCodes('Hello there.')).toEqual({ links: [], codes: [] });
  });
});

describe('mail templates', () => {
  const hostile = `<script>alert("x")</script> & 'friends'`;
  const link = 'https://app.example.test/verify?token=abc&next="/home"';

  const all = [
    verifyEmailMail({ username: hostile, link, token: 'tok<en>', expiresInHours: 24 }),
    passwordResetMail({ username: hostile, code: '123456', link, expiresInMinutes: 30 }),
    emailChangeMail({ username: hostile, link, expiresInHours: 1 }),
    passwordChangedMail({ username: hostile }),
  ];

  it('escape every interpolated value in the HTML', () => {
    for (const mail of all) {
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).not.toContain('"x"');
      expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;');
      expect(mail.html).not.toContain(link);
    }
    expect(all[0]!.html).toContain('tok&lt;en&gt;');
    expect(all[0]!.html).toContain(`href="${escapeHtml(link)}"`);
  });

  it('put the link in the text body, and the reset code on a line of its own', () => {
    const [verify, reset, change, changed] = all;
    for (const mail of [verify!, reset!, change!]) expect(mail.text).toContain(link);
    expect(reset!.text.split('\n')).toContain('123456');
    expect(extractLinksAndCodes(reset!.text).codes).toEqual(['123456']);
    expect(verify!.text).toContain('tok<en>');
    expect(changed!.text).not.toMatch(/https?:\/\//);
  });

  it('name the product and say how long links last', () => {
    const verify = verifyEmailMail({ username: 'bob', link: 'http://x.test/v', token: 't', expiresInHours: 24 });
    expect(verify.subject).toContain('Messenger');
    expect(verify.text).toContain('Hi bob,');
    expect(verify.text).toContain('24 hours');
    expect(emailChangeMail({ username: 'bob', link: 'http://x.test/c', expiresInHours: 1 }).text).toContain('1 hour.');
    expect(passwordResetMail({ username: 'bob', code: '000111', link: 'http://x.test/r', expiresInMinutes: 15 }).text).toContain('15 minutes');
    expect(passwordChangedMail({ username: 'bob' }).subject).toBe('Your Messenger password was changed');
  });
});
