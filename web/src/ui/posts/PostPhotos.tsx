import type { Post } from '@messenger/sdk';
import { placeholderUrl } from './placeholder.js';

type Image = Post['images'][number];

/**
 * A post's photos at their own proportions: width, height and aspect-ratio are known before they
 * load, so nothing below them jumps, and a blurred placeholder fills the box meanwhile. The thumbnail
 * serves small screens; a click opens the full size.
 */
export function PostPhotos({ images }: { images: Image[] }) {
  if (images.length === 0) return null;
  return (
    <div class={images.length === 1 ? 'post-photos single' : 'post-photos'}>
      {images.map((image, index) => (
        <a key={image.url} href={image.url} target="_blank" rel="noopener" class="post-photo" style={boxStyle(image)}>
          <img
            src={image.thumbnail.url}
            srcset={`${image.thumbnail.url} ${image.thumbnail.width}w, ${image.url} ${image.width}w`}
            sizes={images.length === 1 ? '(max-width: 720px) 100vw, 40rem' : '(max-width: 720px) 50vw, 20rem'}
            width={image.width}
            height={image.height}
            alt={image.alt || (images.length === 1 ? 'Photo' : `Photo ${index + 1} of ${images.length}`)}
            loading="lazy"
            decoding="async"
          />
        </a>
      ))}
    </div>
  );
}

function boxStyle(image: Image) {
  const placeholder = placeholderUrl(image.placeholder);
  return { aspectRatio: `${image.width} / ${image.height}`, ...(placeholder ? { backgroundImage: `url(${placeholder})` } : {}) };
}
