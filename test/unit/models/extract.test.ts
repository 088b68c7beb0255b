import { describe, expect, it } from 'vitest';
import { extractFiles, ModelError, ModelErrorCode } from '../../../node/models/index.js';

const fence = '```';
const code = (e: () => unknown) => {
  try {
    e();
  } catch (x) {
    expect(x).toBeInstanceOf(ModelError);
    return (x as ModelError).code;
  }
  return 'no error';
};

describe('extractFiles', () => {
  it('takes the path from a first-line comment and removes that line', () => {
    const r = extractFiles(
      `Here you go:\n\n${fence}typescript\n// file: src/a.ts\nexport const A = 1;\n${fence}\n`,
    );
    expect(r.files).toEqual([{ path: 'src/a.ts', content: 'export const A = 1;\n' }]);
  });

  it('understands the usual ways models name files', () => {
    const answer = [
      `${fence}ts path=one.ts`,
      'one',
      fence,
      `${fence}python:pkg/two.py`,
      'two',
      fence,
      `${fence}rust title="src/three.rs"`,
      'three',
      fence,
      '**four.go**',
      `${fence}go`,
      'four',
      fence,
      '### File: `five.java`',
      '',
      `${fence}java`,
      'five',
      fence,
      `${fence}six.ts`,
      'six',
      fence,
      `${fence}python`,
      '# path: seven.py',
      'seven',
      fence,
      `${fence}java`,
      '/* filename: Eight.java */',
      'eight',
      fence,
      '~~~ts',
      '// nine.ts',
      'nine',
      '~~~',
    ].join('\n');
    expect(extractFiles(answer).files.map((f) => [f.path, f.content.trim()])).toEqual([
      ['one.ts', 'one'],
      ['pkg/two.py', 'two'],
      ['src/three.rs', 'three'],
      ['four.go', 'four'],
      ['five.java', 'five'],
      ['six.ts', 'six'],
      ['seven.py', 'seven'],
      ['Eight.java', 'eight'],
      ['nine.ts', 'nine'],
    ]);
  });

  it('ignores chatter, reasoning and unnamed blocks; a file given twice keeps its last version', () => {
    const answer = [
      '<think>I should write ```ts\n// file: wrong.ts\nno``` here</think>',
      'To install, run:',
      `${fence}bash`,
      'npm install',
      fence,
      'Here is a first draft of a.ts, on a sentence line that is not a header: a.ts',
      `${fence}ts`,
      'draft without a name',
      fence,
      `${fence}ts`,
      '// file: a.ts',
      'first',
      fence,
      'Oops, corrected:',
      `${fence}ts`,
      '// file: a.ts',
      'second',
      fence,
    ].join('\n');
    const r = extractFiles(answer);
    expect(r.files).toEqual([{ path: 'a.ts', content: 'second\n' }]);
    expect(r.unnamed).toBe(2);
  });

  it('keeps a longer fence open across inner fences (CommonMark)', () => {
    const r = extractFiles(['````md', '<!-- file: README.md -->', '```ts', 'x', '```', '````'].join('\n'));
    expect(r.files).toEqual([{ path: 'README.md', content: '```ts\nx\n```\n' }]);
  });

  it('drops a block left open at the end, and says so', () => {
    const r = extractFiles(
      [`${fence}ts`, '// file: a.ts', 'a', fence, `${fence}ts`, '// file: b.ts', 'b'].join('\n'),
    );
    expect(r.files.map((f) => f.path)).toEqual(['a.ts']);
    expect(r.unclosed).toBe(true);
    expect(code(() => extractFiles(`${fence}ts\n// file: b.ts\nhalf`))).toBe(ModelErrorCode.TRUNCATED);
  });

  it('malformed answers are typed errors, never a crash', () => {
    expect(code(() => extractFiles(''))).toBe(ModelErrorCode.NO_CODE_BLOCKS);
    expect(code(() => extractFiles('I cannot do that.'))).toBe(ModelErrorCode.NO_CODE_BLOCKS);
    expect(code(() => extractFiles('<!DOCTYPE html><title>502</title>'))).toBe(ModelErrorCode.NO_CODE_BLOCKS);
    expect(code(() => extractFiles(`${fence}ts\nconst x = 1;\n${fence}`))).toBe(ModelErrorCode.NO_FILES);
    expect(code(() => extractFiles(undefined as unknown as string))).toBe(ModelErrorCode.NO_CODE_BLOCKS);
    for (const bad of ['/etc/passwd.ts', '../up.ts', 'a/../../up.ts', 'C:/x.ts'])
      expect(
        code(() => extractFiles(`${fence}ts\n// file: ${bad}\nx\n${fence}`)),
        bad,
      ).toBe(ModelErrorCode.BAD_OUTPUT_PATH);
  });

  it('normalises paths: backslashes, ./ prefixes, CRLF line ends', () => {
    const r = extractFiles(`${fence}ts\r\n// file: .\\src\\a.ts\r\nx\r\n${fence}\r\n`);
    expect(r.files).toEqual([{ path: 'src/a.ts', content: 'x\n' }]);
  });
});
