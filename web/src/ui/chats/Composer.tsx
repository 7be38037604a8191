import { useRef, useState } from 'preact/hooks';
import { client, problemText, realtime } from '../../api.js';
import { sendMessage } from '../../state/chats.js';

const TYPING_EVERY_MS = 3000;

/** Writes and sends: Enter sends, Shift+Enter breaks the line; files by button, drop or paste. */
export function Composer({ chatId, replyTo, onSent }: { chatId: number; replyTo?: { id: number; text: string } | undefined; onSent: () => void }) {
  const [text, setText] = useState('');
  /** Each file being uploaded, and the share of it sent (0 to 1). */
  const [uploading, setUploading] = useState<Array<{ name: string; sent: number }>>([]);
  const [error, setError] = useState<string>();
  const lastTyping = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);

  const send = () => {
    if (text.trim() === '') return;
    sendMessage(chatId, text, undefined, replyTo?.id);
    setText('');
    onSent();
  };

  const sendFiles = async (files: File[]) => {
    setError(undefined);
    setUploading(files.map((f) => ({ name: f.name, sent: 0 })));
    const progressOf = (index: number) => ({ loaded, total }: { loaded: number; total: number }) =>
      setUploading((current) => current.map((entry, i) => (i === index ? { ...entry, sent: total > 0 ? loaded / total : 0 } : entry)));
    try {
      const uploads = await Promise.all(files.map((file, index) => client.upload(file, file.name, { onProgress: progressOf(index) })));
      sendMessage(chatId, text, uploads.map((u) => u.id), replyTo?.id);
      setText('');
      onSent();
    } catch (caught) {
      setError(problemText(caught));
    } finally {
      setUploading([]);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  };
  const onInput = (event: Event) => {
    setText((event.currentTarget as HTMLTextAreaElement).value);
    if (Date.now() - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = Date.now();
      realtime.typing(chatId);
    }
  };
  const onPaste = (event: ClipboardEvent) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length > 0) {
      event.preventDefault();
      void sendFiles(files);
    }
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const files = [...(e.dataTransfer?.files ?? [])];
        if (files.length > 0) void sendFiles(files);
      }}
    >
      {uploading.map((file) => (
        <p key={file.name} class="uploading">
          <progress aria-label={`Uploading ${file.name}`} value={file.sent} max={1} /> {file.name} {Math.round(file.sent * 100)}%
        </p>
      ))}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="composer-row">
        <button type="button" class="icon" aria-label="Attach files" title="Attach files" onClick={() => fileInput.current?.click()}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3l8-8" />
          </svg>
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          onChange={(e) => {
            const input = e.currentTarget;
            const files = [...(input.files ?? [])];
            input.value = '';
            if (files.length > 0) void sendFiles(files);
          }}
        />
        <textarea rows={1} placeholder="Write a message" aria-label="Message" value={text} onInput={onInput} onKeyDown={onKeyDown} onPaste={onPaste} maxLength={4000} />
        <button type="submit" class="primary" disabled={text.trim() === ''}>
          Send
        </button>
      </div>
    </form>
  );
}
