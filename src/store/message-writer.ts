/** A message to store, as the sender gave it. */
export interface NewMessage {
  chatId: number;
  senderId: number;
  /** Shown with the message; the caller knows it already, so the insert need not read it back. */
  senderUsername: string;
  text: string | null;
  replyToId: number | null;
  clientId: string | null;
  attachmentIds: number[];
  now: number;
}

export type WriteResult =
  | { status: 'created'; id: number; seq: number }
  /** The sender already stored a message with this clientId in this chat: that one's id. */
  | { status: 'duplicate'; id: number }
  | { status: 'attachments_unavailable' }
  /** The chat was deleted since the caller checked membership. */
  | { status: 'chat_gone' };

/**
 * Stores a message with the chat's next seq, atomically: the chat's counter is incremented, the
 * message inserted, its attachments claimed and the sender's read marker moved, or nothing is.
 * Seqs have no gaps; a repeated clientId stores nothing new; one caller's sends keep their order.
 * One implementation per engine, chosen where the database is opened.
 */
export interface MessageWriter {
  write(message: NewMessage): Promise<WriteResult>;
}

/** Thrown inside a write's transaction to undo it when an attachment cannot be claimed. */
export class AttachmentsUnavailable extends Error {}
