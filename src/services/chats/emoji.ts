const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
// A pictographic emoji (with optional variation selectors, skin tones and ZWJ sequences), a flag
// (two regional indicators), or a keycap.
const EMOJI = /^(?:\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0F\u20E3\u200D\p{Extended_Pictographic}\u{E0020}-\u{E007F}]*|\p{Regional_Indicator}{2}|[0-9#*]\uFE0F?\u20E3)$/u;

/** True for exactly one emoji, as a reaction must be. */
export function isSingleEmoji(value: string): boolean {
  if (value.length === 0 || value.length > 32) return false;
  const graphemes = [...segmenter.segment(value)];
  return graphemes.length === 1 && EMOJI.test(value);
}
