import { Type } from 'typebox';
import type { Post, PostComment, PostPerson } from '../services/posts/ports.js';
import { Avatar, avatarView } from './avatars.js';
import { Id, NullableTimestamp, Timestamp, iso, isoOrNull } from './scalars.js';

/** Signed URLs of a post image's two files (capability URLs, like attachments'). */
export interface PostImageLinks {
  display(key: string): string;
  thumbnail(key: string): string;
  /** The longest side of a thumbnail. */
  thumbnailSide: number;
}

export const PostPersonView = Type.Object({
  id: Id,
  username: Type.String(),
  firstName: Type.String({ description: 'Empty when not given' }),
  lastName: Type.String({ description: 'Empty when not given' }),
  avatar: Avatar,
});

export const PostImage = Type.Object({
  url: Type.String({ description: 'WebP, longest side at most 1,600 px; a signed URL relative to the API origin' }),
  width: Type.Integer(),
  height: Type.Integer(),
  thumbnail: Type.Object({ url: Type.String({ description: 'WebP, longest side at most 400 px' }), width: Type.Integer(), height: Type.Integer() }),
  placeholder: Type.String({ description: 'ThumbHash (base64) of the image: draw it blurred while the image loads' }),
  alt: Type.String({ description: 'What the image shows, for people who cannot see it (the author’s words); empty when none was given' }),
});

export const PostView = Type.Object({
  id: Id,
  author: PostPersonView,
  text: Type.String(),
  visibility: Type.Union([Type.Literal('public'), Type.Literal('friends')]),
  images: Type.Array(PostImage),
  likeCount: Type.Integer({ minimum: 0 }),
  likedByMe: Type.Boolean(),
  commentCount: Type.Integer({ minimum: 0 }),
  viewCount: Type.Integer({ minimum: 0, description: 'Distinct viewers per hour, counted every few seconds' }),
  createdAt: Timestamp,
  editedAt: NullableTimestamp,
});

export const CommentView = Type.Object({
  id: Id,
  postId: Id,
  author: PostPersonView,
  replyToId: Type.Union([Id, Type.Null()]),
  text: Type.String(),
  createdAt: Timestamp,
});

export const postPersonView = (person: PostPerson) => ({ id: person.id, username: person.username, firstName: person.firstName, lastName: person.lastName, avatar: avatarView(person) });

export function postView(post: Post, links: PostImageLinks) {
  return {
    id: post.id,
    author: postPersonView(post.author),
    text: post.text,
    visibility: post.visibility,
    images: post.images.map((image) => {
      const scale = Math.min(1, links.thumbnailSide / Math.max(image.width, image.height));
      return {
        url: links.display(image.key),
        width: image.width,
        height: image.height,
        thumbnail: { url: links.thumbnail(image.key), width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)) },
        placeholder: image.placeholder,
        alt: image.alt,
      };
    }),
    likeCount: post.likeCount,
    likedByMe: post.likedByMe,
    commentCount: post.commentCount,
    viewCount: post.viewCount,
    createdAt: iso(post.createdAt),
    editedAt: isoOrNull(post.editedAt),
  };
}

export const commentView = (comment: PostComment) => ({
  id: comment.id,
  postId: comment.postId,
  author: postPersonView(comment.author),
  replyToId: comment.replyToId,
  text: comment.text,
  createdAt: iso(comment.createdAt),
});
