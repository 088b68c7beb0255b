import type { RecordedAnswer, RecordedDefect } from './recorded.js';

/**
 * What a recorded model answers: its right answer with every defect it has not fixed written wrong.
 * A defect is fixed when the correction names every one of its cues, or when the previous files the
 * correction shows already had it fixed (so a later round does not undo an earlier fix). The first
 * request (no correction) and feedback that names nothing get every defect.
 */
export function recordedAnswer(answer: RecordedAnswer, correction = ''): string {
  const previous = correction.split('Your previous files:')[1] ?? '';
  const fixed = (d: RecordedDefect) =>
    d.when.every((cue) => correction.includes(cue)) || (previous !== '' && fixedIn(previous, d));
  return (answer.defects ?? []).reduce(
    (text, d) => (fixed(d) ? text : text.replace(d.right, d.wrong)),
    answer.right,
  );
}

/** whether a text has the defect fixed: its wrong snippet is gone (or, when the defect removes code, the right one is there) */
export const fixedIn = (text: string, d: RecordedDefect): boolean =>
  d.wrong ? !text.includes(d.wrong) : text.includes(d.right);
