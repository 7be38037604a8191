import { useId, useRef, useState } from 'preact/hooks';
import type { Post } from '@messenger/sdk';
import { client } from '../../api.js';
import { FormError } from '../common/Field.js';
import { useObjectUrl } from '../common/useObjectUrl.js';
import { useTask } from '../common/useTask.js';

const MAX_PHOTOS = 10;

/** Writes a post: text, who may see it, and up to ten photos shown before they are sent. Nothing changes while it is sent, so nothing typed meanwhile is lost. */
export function PostComposer({ onPublished }: { onPublished: (post: Post) => void }) {
  const textId = useId();
  const photosId = useId();
  const visibilityId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [text, setText] = useState('');
  // Each chosen photo with what it shows, for people who cannot see it.
  const [photos, setPhotos] = useState<Array<{ image: File; alt: string }>>([]);
  const [visibility, setVisibility] = useState<'public' | 'friends'>('public');
  const { busy, error, run } = useTask();

  const choose = (files: FileList | null) => {
    setPhotos((chosen) => [...chosen, ...[...(files ?? [])].map((image) => ({ image, alt: '' }))].slice(0, MAX_PHOTOS));
    // The same file may be chosen again after being removed.
    if (fileInput.current) fileInput.current.value = '';
  };
  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    await run(async () => {
      onPublished(await client.createPost({ text: text.trim(), visibility, images: photos }));
      setText('');
      setPhotos([]);
    });
  };

  return (
    <form class="post-composer" onSubmit={onSubmit} aria-label="New post">
      <label for={textId} class="visually-hidden">
        Post text
      </label>
      <textarea id={textId} rows={3} placeholder="What’s new?" value={text} readOnly={busy} onInput={(e) => setText(e.currentTarget.value)} maxLength={5000} />
      {photos.length > 0 && (
        <ul role="list" class="photo-previews" aria-label="Chosen photos">
          {photos.map((photo, index) => (
            <PhotoPreview
              key={`${photo.image.name}-${index}`}
              photo={photo.image}
              alt={photo.alt}
              index={index}
              disabled={busy}
              onAlt={(alt) => setPhotos(photos.map((p, i) => (i === index ? { ...p, alt } : p)))}
              onRemove={() => setPhotos(photos.filter((_, i) => i !== index))}
            />
          ))}
        </ul>
      )}
      <FormError message={error} />
      <div class="composer-tools">
        <div class="field inline">
          <label for={photosId}>Add photos</label>
          <input ref={fileInput} id={photosId} type="file" multiple accept="image/png,image/jpeg,image/webp,image/gif" disabled={busy || photos.length >= MAX_PHOTOS} onChange={(e) => choose(e.currentTarget.files)} />
        </div>
        <div class="field inline">
          <label for={visibilityId}>Who can see it</label>
          <select id={visibilityId} value={visibility} onChange={(e) => setVisibility(e.currentTarget.value as 'public' | 'friends')}>
            <option value="public">Everyone</option>
            <option value="friends">Friends</option>
          </select>
        </div>
        <button type="submit" class="primary" disabled={busy || (text.trim() === '' && photos.length === 0)}>
          {busy ? 'Publishing…' : 'Publish'}
        </button>
      </div>
    </form>
  );
}

interface PhotoPreviewProps {
  photo: File;
  alt: string;
  index: number;
  disabled: boolean;
  onAlt: (alt: string) => void;
  onRemove: () => void;
}

function PhotoPreview({ photo, alt, index, disabled, onAlt, onRemove }: PhotoPreviewProps) {
  const url = useObjectUrl(photo);
  return (
    <li class="photo-preview">
      {url && <img src={url} alt={alt || `Chosen photo ${index + 1}: ${photo.name}`} />}
      <button type="button" class="remove" aria-label={`Remove photo ${index + 1}`} disabled={disabled} onClick={onRemove}>
        ×
      </button>
      <input
        type="text"
        class="alt-text"
        aria-label={`Describe photo ${index + 1} for people who cannot see it`}
        placeholder="Describe it"
        maxLength={1500}
        value={alt}
        readOnly={disabled}
        onInput={(e) => onAlt(e.currentTarget.value)}
      />
    </li>
  );
}
