import { randomBytes } from 'node:crypto';

/**
 * Where avatars live in the blob store. Each comes in two sizes, `<prefix>/512.webp` and
 * `<prefix>/128.webp`, and a prefix names one picture for good, so its URLs can be cached for a year.
 *
 * - Uploaded: `avatars/<user id>/<random>`, a new random part for every upload; users.avatar_key
 *   holds the current prefix.
 * - The generated default, a person's initials on a colour picked from their id:
 *   `avatars/default/<style>/<initials>-<colour>`. The key says everything needed to draw it, so
 *   people with the same initials and colour share one image (and one cached URL), and the server
 *   draws any such key when asked, without a database lookup, keeping it only in memory.
 */

/** Bumped whenever the drawing changes: the URLs are cached for a year, so a new look needs new URLs. */
export const DEFAULT_STYLE = 'v1';

/** Backgrounds for white letters, each with a contrast ratio of at least 5:1 against white (WCAG AA asks 4.5:1). */
export const PALETTE: readonly string[] = [
  '#c62828', // red
  '#ad1457', // pink
  '#6a1b9a', // purple
  '#283593', // indigo
  '#1565c0', // blue
  '#00695c', // teal
  '#2e7d32', // green
  '#bf360c', // deep orange
  '#5d4037', // brown
  '#37474f', // blue grey
];

/** The two sizes every avatar comes in, in pixels. */
export const AVATAR_SIDES = { large: 512, small: 128 } as const;
export type AvatarSide = (typeof AVATAR_SIDES)[keyof typeof AVATAR_SIDES];
const sides: readonly number[] = Object.values(AVATAR_SIDES);

/** The blob key of one size of the avatar under `prefix`. */
export const avatarFileKey = (prefix: string, side: AvatarSide) => `${prefix}/${side}.webp`;

/** A fresh prefix for a user's new upload: 128 random bits, never reused. */
export const newUploadedPrefix = (userId: number) => `avatars/${userId}/${randomBytes(16).toString('base64url')}`;

/** Whether `key` is one size of an uploaded avatar, spelled exactly as we write them. */
export function isUploadedAvatarKey(key: string): boolean {
  const side = /^avatars\/[1-9]\d{0,15}\/[A-Za-z0-9_-]{22}\/([1-9]\d{1,3})\.webp$/.exec(key)?.[1];
  return side !== undefined && sides.includes(Number(side));
}

const MAX_INITIALS = 2;
// A letter with a few marks on it is one initial; a longer cluster (stacked "zalgo" marks) keeps its first code point.
const MAX_GRAPHEME_CODE_POINTS = 6;
const NO_INITIALS = 'none';

const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
const graphemes = (text: string) => Array.from(segmenter.segment(text), (s) => s.segment);
const startsWithLetter = (grapheme: string) => /^\p{L}/u.test(grapheme);
// Printable ASCII: one character, one grapheme.
const ASCII = /^[ -~]*$/;

/** One grapheme as an initial: compatibility forms folded (full-width Ａ is A), upper-cased when that keeps it one grapheme (ß stays ß). */
function asInitial(grapheme: string): string {
  const folded = grapheme.normalize('NFKC');
  const upper = folded.toUpperCase().normalize('NFC');
  const initial = graphemes(upper).length === 1 ? upper : folded;
  const codePoints = Array.from(initial);
  return codePoints.length > MAX_GRAPHEME_CODE_POINTS ? (codePoints[0] ?? '') : initial;
}

/** The first letter of `text` as an initial, if it has one. */
function firstLetter(text: string): string | undefined {
  // Most names are ASCII, where every character is a grapheme and NFKC changes nothing: skip the
  // segmenter, which costs far more than the rest of a profile's view (lists show many at once).
  if (ASCII.test(text)) return /[A-Za-z]/.exec(text)?.[0].toUpperCase();
  const grapheme = graphemes(text.normalize('NFKC')).find(startsWithLetter);
  if (grapheme === undefined) return undefined;
  const initial = asInitial(grapheme);
  // Only initials that read back from their key (see isInitials), whatever Unicode's corner cases do.
  return startsWithLetter(initial) && asInitial(initial) === initial ? initial : undefined;
}

export interface NamedPerson {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
}

/**
 * The first letters of the first and last name ("Ann Lee" → "AL", "Ann" → "A"); without a letter in
 * either, those of the username's first and last word ("ann_lee" → "AL"); '' when there is no letter at all.
 */
export function initialsOf(person: Pick<NamedPerson, 'username' | 'firstName' | 'lastName'>): string {
  const fromNames = [firstLetter(person.firstName), firstLetter(person.lastName)].filter((i) => i !== undefined);
  if (fromNames.length > 0) return fromNames.join('');
  const words = person.username.split(/[_.\-\s]+/).filter((word) => firstLetter(word) !== undefined);
  const picked = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return picked.map((word) => firstLetter(word ?? '')).join('');
}

export const colourIndexOf = (userId: number) => userId % PALETTE.length;

/**
 * Initials as one key segment, which allows only ASCII letters, digits and `. _ -`: plain A–Z as
 * they are ("AL"), anything else as `x` + base64url of the UTF-8 ("Жа" → "x0JbQsA"), none as "none".
 */
function encodeInitials(initials: string): string {
  if (initials === '') return NO_INITIALS;
  if (/^[A-Z]{1,2}$/.test(initials)) return initials;
  return `x${Buffer.from(initials, 'utf8').toString('base64url')}`;
}

function decodeInitials(segment: string): string | undefined {
  if (segment === NO_INITIALS) return '';
  if (/^[A-Z]{1,2}$/.test(segment)) return segment;
  if (/^x[A-Za-z0-9_-]{2,64}$/.test(segment)) return Buffer.from(segment.slice(1), 'base64url').toString('utf8');
  return undefined;
}

/** Whether initialsOf could have produced `initials`: one or two letters, each already in its initial form. */
function isInitials(initials: string): boolean {
  const parts = graphemes(initials);
  return parts.length <= MAX_INITIALS && parts.every((part) => startsWithLetter(part) && asInitial(part) === part);
}

/** The key prefix of a person's default avatar; the images are `<prefix>/512.webp` and `<prefix>/128.webp`. */
export function defaultAvatarPrefix(person: NamedPerson): string {
  return `avatars/default/${DEFAULT_STYLE}/${encodeInitials(initialsOf(person))}-${colourIndexOf(person.id)}`;
}

export interface DefaultAvatarSpec {
  initials: string;
  background: string;
  side: AvatarSide;
}

/**
 * What a default-avatar key asks to draw, or undefined unless the key is exactly one that
 * defaultAvatarPrefix gives (plus a size): any other spelling of the same picture is refused, so
 * only images we hand out are ever drawn.
 */
export function parseDefaultAvatarKey(key: string): DefaultAvatarSpec | undefined {
  const match = /^avatars\/default\/([A-Za-z0-9]{1,8})\/([A-Za-z0-9_-]{1,65})-(0|[1-9]\d{0,2})\/([1-9]\d{1,3})\.webp$/.exec(key);
  if (!match) return undefined;
  const [, style, segment = '', colour = '', side = ''] = match;
  const background = PALETTE[Number(colour)];
  const initials = decodeInitials(segment);
  if (style !== DEFAULT_STYLE || !background || !sides.includes(Number(side)) || initials === undefined) return undefined;
  if ((initials !== '' && !isInitials(initials)) || encodeInitials(initials) !== segment) return undefined;
  return { initials, background, side: Number(side) as AvatarSide };
}
