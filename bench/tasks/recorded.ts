/**
 * Recorded tasks for the replay: each a request, its tests (the user's), and what two models answered:
 * their first answer and their answer after being told which tests failed. The defects are the kind
 * models make (a forgotten edge case, a type error, a missing rule); the corrected answers are right.
 */
export interface RecordedTask {
  id: string;
  language: 'typescript' | 'python' | 'go' | 'rust' | 'java';
  description: string;
  tests: { path: string; content: string }[];
  /** by model: the first answer and the answer to feedback, as fenced files */
  answers: Record<string, { first: string; fixed: string }>;
}

export const MODEL_A = 'recorded-a';
export const MODEL_B = 'recorded-b';

const file = (lang: string, path: string, body: string) =>
  `Here you go.\n\n\`\`\`${lang}\n${lang === 'python' ? '#' : '//'} file: ${path}\n${body.trim()}\n\`\`\`\n`;

const SLUGIFY_RIGHT = `export function slugify(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}`;

const DURATION_RIGHT = `export function parseDuration(text: string): number {
  const m = /^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$/.exec(text);
  if (!m || text === '') throw new Error(\`not a duration: \${text}\`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}`;

const WORDS_RIGHT = `import re
from collections import Counter


def word_count(text):
    return dict(Counter(re.findall(r"[a-z0-9']+", text.lower())))`;

const ROMAN_RIGHT = `PAIRS = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
         (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def to_roman(n):
    out = ""
    for value, letters in PAIRS:
        while n >= value:
            out += letters
            n -= value
    return out`;

export const RECORDED_TASKS: RecordedTask[] = [
  {
    id: 'slugify',
    language: 'typescript',
    description:
      'slugify(s): lowercase, runs of anything but letters and digits become one dash, no dash at either end',
    tests: [
      {
        path: 'slugify.test.ts',
        content: `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from './slugify.js';

test('lowercases and joins words with dashes', () => assert.equal(slugify('Hello World'), 'hello-world'));
test('collapses runs of other characters', () => assert.equal(slugify('a  --  b!!c'), 'a-b-c'));
test('trims dashes at both ends', () => assert.equal(slugify('  --Hi there--  '), 'hi-there'));
test('keeps digits', () => assert.equal(slugify('Route 66'), 'route-66'));
`,
      },
    ],
    answers: {
      // forgets the ends
      [MODEL_A]: {
        first: file(
          'typescript',
          'slugify.ts',
          `export function slugify(s: string): string {\n  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-');\n}`,
        ),
        fixed: file('typescript', 'slugify.ts', SLUGIFY_RIGHT),
      },
      [MODEL_B]: {
        first: file('typescript', 'slugify.ts', SLUGIFY_RIGHT),
        fixed: file('typescript', 'slugify.ts', SLUGIFY_RIGHT),
      },
    },
  },
  {
    id: 'parse-duration',
    language: 'typescript',
    description:
      'parseDuration("1h30m15s"): the seconds in a duration of hours, minutes and seconds; throws on anything else',
    tests: [
      {
        path: 'duration.test.ts',
        content: `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './duration.js';

test('hours', () => assert.equal(parseDuration('1h'), 3600));
test('minutes', () => assert.equal(parseDuration('30m'), 1800));
test('all three', () => assert.equal(parseDuration('1h30m15s'), 5415));
test('seconds', () => assert.equal(parseDuration('45s'), 45));
test('rejects what is not a duration', () => assert.throws(() => parseDuration('abc')));
`,
      },
    ],
    answers: {
      // a type error: it does not compile
      [MODEL_A]: {
        first: file(
          'typescript',
          'duration.ts',
          `export function parseDuration(text: string): number {
  const m = /^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$/.exec(text);
  if (!m || text === '') throw new Error(\`not a duration: \${text}\`);
  const seconds: string = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds;
}`,
        ),
        fixed: file('typescript', 'duration.ts', DURATION_RIGHT),
      },
      // does not throw
      [MODEL_B]: {
        first: file(
          'typescript',
          'duration.ts',
          DURATION_RIGHT.replace(/if \(!m \|\| text === ''\) throw .*/, 'if (!m) return 0;'),
        ),
        fixed: file('typescript', 'duration.ts', DURATION_RIGHT),
      },
    },
  },
  {
    id: 'word-count',
    language: 'python',
    description: 'word_count(text): how often each word occurs, case-insensitive, punctuation ignored',
    tests: [
      {
        path: 'test_words.py',
        content: `import unittest

from words import word_count


class WordCount(unittest.TestCase):
    def test_counts(self):
        self.assertEqual(word_count("a b a"), {"a": 2, "b": 1})

    def test_case_insensitive(self):
        self.assertEqual(word_count("Go go GO"), {"go": 3})

    def test_punctuation(self):
        self.assertEqual(word_count("hi, hi! bye."), {"hi": 2, "bye": 1})

    def test_empty(self):
        self.assertEqual(word_count(""), {})
`,
      },
    ],
    answers: {
      // splits on spaces only
      [MODEL_A]: {
        first: file(
          'python',
          'words.py',
          'from collections import Counter\n\n\ndef word_count(text):\n    return dict(Counter(text.split()))',
        ),
        fixed: file('python', 'words.py', WORDS_RIGHT),
      },
      [MODEL_B]: {
        first: file('python', 'words.py', WORDS_RIGHT),
        fixed: file('python', 'words.py', WORDS_RIGHT),
      },
    },
  },
  {
    id: 'roman',
    language: 'python',
    description: 'to_roman(n): the Roman numeral of 1 <= n <= 3999',
    tests: [
      {
        path: 'test_roman.py',
        content: `import unittest

from roman import to_roman


class Roman(unittest.TestCase):
    def test_one(self):
        self.assertEqual(to_roman(1), "I")

    def test_four(self):
        self.assertEqual(to_roman(4), "IV")

    def test_nine(self):
        self.assertEqual(to_roman(9), "IX")

    def test_fourteen(self):
        self.assertEqual(to_roman(14), "XIV")

    def test_1994(self):
        self.assertEqual(to_roman(1994), "MCMXCIV")

    def test_3999(self):
        self.assertEqual(to_roman(3999), "MMMCMXCIX")
`,
      },
    ],
    answers: {
      [MODEL_A]: {
        first: file('python', 'roman.py', ROMAN_RIGHT),
        fixed: file('python', 'roman.py', ROMAN_RIGHT),
      },
      // no subtractive pairs
      [MODEL_B]: {
        first: file(
          'python',
          'roman.py',
          ROMAN_RIGHT.replace(
            /PAIRS = \[[^\]]*\]/,
            'PAIRS = [(1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I")]',
          ),
        ),
        fixed: file('python', 'roman.py', ROMAN_RIGHT),
      },
    },
  },
];
