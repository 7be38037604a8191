import { Type, type Static } from 'typebox';
import { filePath } from '../adapters/file-urls.js';
import { AVATAR_SIDES, avatarFileKey, defaultAvatarPrefix, type NamedPerson } from '../services/avatar-keys.js';

/** A user's picture in two square sizes; public URLs, cacheable for good (they change with the picture). */
export const Avatar = Type.Object(
  {
    small: Type.String({ description: `${AVATAR_SIDES.small}×${AVATAR_SIDES.small} WebP, URL relative to the API origin` }),
    large: Type.String({ description: `${AVATAR_SIDES.large}×${AVATAR_SIDES.large} WebP, URL relative to the API origin` }),
    isDefault: Type.Boolean({ description: 'True for the generated picture: initials on a colour' }),
  },
  { description: 'Served to anyone without credentials; a new picture gets new URLs' },
);
export type AvatarView = Static<typeof Avatar>;

export function avatarView(user: NamedPerson & { avatarKey: string | null }): AvatarView {
  const prefix = user.avatarKey ?? defaultAvatarPrefix(user);
  return {
    small: filePath(avatarFileKey(prefix, AVATAR_SIDES.small)),
    large: filePath(avatarFileKey(prefix, AVATAR_SIDES.large)),
    isDefault: user.avatarKey === null,
  };
}
