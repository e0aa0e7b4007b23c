/** Joins words that must stay one part of a name: a no-break space, which a split on " " keeps whole. */
const NO_BREAK = "\u00A0";

/**
 * A full name as exactly three parts separated by single spaces — surname, given name, patronymic — since
 * the deployed client splits names on spaces into exactly three (docs/DECISIONS.md §11). What the certificate gave
 * (SN + G, else CN) is kept, word for word:
 * - runs of whitespace become one space, and the ends are trimmed;
 * - more than three words: the first is the surname, the second the given name, the rest the patronymic,
 *   joined by no-break spaces ("Алиев Рашид Гейдар оглы" → patronymic "Гейдар оглы");
 * - fewer than three (no patronymic, a CN-only name): each missing part is a single no-break space, which
 *   shows as nothing ("Smith John" → "Smith John \u00A0").
 * The text reads the same; only the spaces that join or fill parts differ.
 */
export function threePartName(name: string): string {
  const words = name.split(/\s+/).filter((word) => word !== "");
  const [surname = NO_BREAK, given = NO_BREAK, ...rest] = words;
  return [surname, given, rest.length > 0 ? rest.join(NO_BREAK) : NO_BREAK].join(" ");
}
