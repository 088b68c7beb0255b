import { describe, expect, it } from 'vitest';
import { type CommentFormat, DEFAULT_FORMAT, renderComment } from '../../../node/weaver/comment.js';

// a jsdoc-like markdown format, first-level list items indented (as the official JavaScript set asks)
const JSDOC: CommentFormat = {
  ...DEFAULT_FORMAT,
  format: 'markdown',
  prefix: ' * ',
  indent_first_level_list_items: true,
};
const render = (text: string) =>
  renderComment(text, { format: 'jsdoc' }, { jsdoc: JSDOC }, undefined, (_t, c) => c);

describe('the comment filter lays markdown out as Weaver writes it', () => {
  it('a loose list is written tight, and an unindented line after an item continues it', () => {
    const note = [
      'Examples:',
      '',
      '- an environment variable `USER` SHOULD be recorded',
      'as the `USER` attribute.',
      '',
      '- an environment variable `PATH`',
      'SHOULD be recorded as the `PATH` attribute',
      'with its value.',
      '',
      'After the list.',
    ].join('\n');
    expect(render(note)).toBe(
      [
        ' * Examples:',
        ' *',
        ' *   - an environment variable `USER` SHOULD be recorded',
        ' *     as the `USER` attribute.',
        ' *   - an environment variable `PATH`',
        ' *     SHOULD be recorded as the `PATH` attribute',
        ' *     with its value.',
        ' *',
        ' * After the list.',
      ].join('\n'),
    );
  });

  it('a fenced block right after a paragraph starts on the next line; the text after it stays a block apart', () => {
    const note = 'along with its length:\n\n```\nInput <- File\n```\n\nThe result.';
    expect(render(note)).toBe(
      ' * along with its length:\n * ```\n * Input <- File\n * ```\n *\n * The result.',
    );
  });

  it("an alert's marker at the start stands apart from its text; one later in the text does not", () => {
    expect(render('> [!Warning]\n> This may be sensitive.')).toBe(
      ' * > [!Warning]\n *\n * > This may be sensitive.',
    );
    expect(render('Unique id.\n\n> [!Warning]\n> This may be sensitive.')).toBe(
      ' * Unique id.\n *\n * > [!Warning]\n * > This may be sensitive.',
    );
  });
});
