interface AvatarProps {
  person: { username: string; avatar: { small: string; large: string } };
  size?: number;
  /** Shows a presence dot: true online, false offline, undefined no dot. */
  online?: boolean;
}

/** A round picture with the person's name as its text alternative, and a presence dot. */
export function Avatar({ person, size = 40, online }: AvatarProps) {
  return (
    <span class="avatar" style={{ width: `${size}px`, height: `${size}px` }}>
      <img src={size > 64 ? person.avatar.large : person.avatar.small} alt="" width={size} height={size} loading="lazy" decoding="async" />
      {online !== undefined && <span class={online ? 'presence online' : 'presence'} role="img" aria-label={online ? 'online' : 'offline'} />}
    </span>
  );
}
