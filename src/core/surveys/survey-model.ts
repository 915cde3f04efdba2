/**
 * The survey types and the small readers shared by the survey model (surveys.ts), the answer check
 * (check-answers.ts) and the transport's presenter and submission reader; a module of its own so
 * that surveys.ts can re-export check-answers.ts without an import cycle.
 */

/** A survey as the core holds it: ids and values as strings, questions sorted by display order. */
export interface Survey {
  id: string;
  title: string;
  header: string;
  questions: SurveyQuestion[];
}

/** One question; `entries` is empty for the text types, `lastKnownValue` null for the selection types. */
export interface SurveyQuestion {
  id: string;
  order: number;
  mandatory: boolean;
  validationType: 'alpha_numeric' | 'numeric' | 'email';
  /** The id that entries name in `showLogicIds` to reveal this question (server-chat §5, "Logic"). */
  logicId: string | null;
  type: string;
  label: string;
  lastKnownValue: string | null;
  entries: SurveyEntry[];
}

/** One option of a selection question. */
export interface SurveyEntry {
  value: string;
  displayValue: string | null;
  checked: boolean;
  /** logicIds of the questions this entry reveals when it is selected. */
  showLogicIds: string[];
}

/** The question types that take free text and carry `lastKnownValue` (server-chat §5, "Question"). */
export const TEXT_TYPES: readonly string[] = ['Text Field', 'Text Area'];

/** The question types that offer `entry` options; only Checkbox takes several answers (server-chat §5). */
export const SELECTION_TYPES: readonly string[] = [
  'Dropdown Box',
  'Radio Button',
  'Radio Button (side by side)',
  'Checkbox',
];

/** Whether a question takes free text rather than one of its entries. */
export function isTextType(type: string): boolean {
  return TEXT_TYPES.includes(type);
}

/** One element or several: the legacy rendering of a repeated element (server-chat §1.5). */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** An id given as a number or a non-blank string, as a trimmed string; null when absent or blank. */
export function readId(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}
