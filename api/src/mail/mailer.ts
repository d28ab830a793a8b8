// Outgoing mail is pluggable: there is no mail server on these machines, so the default
// writes each message (with its link) to the server log. A deployment passes its own Mailer
// (SMTP, an HTTP API) to buildApp; tests pass one that keeps the messages.

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text only: no HTML is ever built from user input. */
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * The default: one log line per message, on stderr, for whoever runs the server.
 *
 * @example
 * await logMailer().send({ to: 'a@example.org', subject: 'Test', text: 'https://…' });
 */
export function logMailer(write: (line: string) => void = (line) => console.warn(line)): Mailer {
  return {
    async send({ to, subject, text }) {
      write(`maillage mail → ${to} | ${subject}\n${text}`);
    },
  };
}

/** Keeps the messages in memory (tests, and a dry run). */
export function memoryMailer(): Mailer & { outbox: MailMessage[] } {
  const outbox: MailMessage[] = [];
  return { outbox, async send(message) { outbox.push(message); } };
}
