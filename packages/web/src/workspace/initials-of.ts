/** The first user-perceived character of a word: a whole emoji or accented letter, never half of one. */
function firstCharacter(word: string): string {
  // Intl.Segmenter keeps grapheme clusters (flags, skin tones, ZWJ sequences) whole; where it is
  // missing, code points at least never split a surrogate pair (the "P\uFFFD" of word[0]).
  if (typeof Intl.Segmenter === 'function') {
    const first = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(word)[Symbol.iterator]().next();
    return first.done === true ? '' : first.value.segment;
  }
  return Array.from(word)[0] ?? '';
}

/** Up to two initials of a name, for avatars; an emoji counts as one. */
export function initialsOf(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => firstCharacter(word).toUpperCase())
    .join('');
}
