/**
 * Recorded tasks for the replay: each a request, its tests (the user's), and what two models answer.
 * These are fixed recordings written by hand, not a model: each model's right answer and its defects
 * (the kind models make: a forgotten edge case, a type error, a missing rule), each defect a snippet of
 * the right answer written wrong. The first answer has every defect; a correction fixes only the
 * defects whose cues the correction prompt names (`when`: every failing test, or the file:line of the
 * compiler error, that defect causes) and keeps the fixes its previous files already had
 * (bench/tasks/answer.ts). Feedback that names nothing gets the same wrong answer again.
 */
export interface RecordedTask {
  id: string;
  language: 'typescript' | 'python' | 'go' | 'rust' | 'java';
  description: string;
  tests: { path: string; content: string }[];
  /** by model: its right answer and its defects (none: it answers right at once) */
  answers: Record<string, RecordedAnswer>;
}

export interface RecordedAnswer {
  right: string;
  defects?: RecordedDefect[];
}

/** One defect: the snippet `right` of the right answer written as `wrong`, fixed only when every cue is named. */
export interface RecordedDefect {
  when: string[];
  right: string;
  wrong: string;
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
  const seconds: number = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds;
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

const CLAMP_RIGHT = `package clamp

// Clamp returns x limited to [lo, hi].
func Clamp(x, lo, hi int) int {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}`;

const FIZZBUZZ_RIGHT = `pub fn fizzbuzz(n: u32) -> String {
    match (n % 3, n % 5) {
        (0, 0) => "FizzBuzz".to_string(),
        (0, _) => "Fizz".to_string(),
        (_, 0) => "Buzz".to_string(),
        _ => n.to_string(),
    }
}`;

const PALINDROME_RIGHT = `public final class Palindromes {
    private Palindromes() {}

    public static boolean isPalindrome(String s) {
        String t = s.toLowerCase().replaceAll("[^a-z0-9]", "");
        return new StringBuilder(t).reverse().toString().equals(t);
    }
}`;

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
      [MODEL_A]: {
        right: file('typescript', 'slugify.ts', SLUGIFY_RIGHT),
        // forgets the ends
        defects: [{ when: ['trims dashes at both ends'], right: ".replace(/^-+|-+$/g, '')", wrong: '' }],
      },
      [MODEL_B]: { right: file('typescript', 'slugify.ts', SLUGIFY_RIGHT) },
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
      [MODEL_A]: {
        right: file('typescript', 'duration.ts', DURATION_RIGHT),
        // a type error: it does not compile
        defects: [{ when: ['duration.ts:4:'], right: 'seconds: number', wrong: 'seconds: string' }],
      },
      [MODEL_B]: {
        right: file('typescript', 'duration.ts', DURATION_RIGHT),
        // does not throw
        defects: [
          {
            when: ['rejects what is not a duration'],
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the snippet is the answer's source text
            right: "if (!m || text === '') throw new Error(`not a duration: ${text}`);",
            wrong: 'if (!m) return 0;',
          },
        ],
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
      [MODEL_A]: {
        right: file('python', 'words.py', WORDS_RIGHT),
        // splits on spaces only: case and punctuation are one fix, made when both tests are named
        defects: [
          {
            when: ['test_case_insensitive', 'test_punctuation'],
            right: 're.findall(r"[a-z0-9\']+", text.lower())',
            wrong: 'text.split()',
          },
        ],
      },
      [MODEL_B]: { right: file('python', 'words.py', WORDS_RIGHT) },
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
      [MODEL_A]: { right: file('python', 'roman.py', ROMAN_RIGHT) },
      [MODEL_B]: {
        right: file('python', 'roman.py', ROMAN_RIGHT),
        // no subtractive pairs: three defects, each fixed when the tests it fails are named
        defects: [
          { when: ['test_four'], right: '(4, "IV"), ', wrong: '' },
          { when: ['test_nine'], right: '(9, "IX"), ', wrong: '' },
          {
            when: ['test_1994', 'test_3999'],
            right:
              '(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),\n         (50, "L"), (40, "XL"),',
            wrong: '(1000, "M"), (500, "D"), (100, "C"),\n         (50, "L"),',
          },
        ],
      },
    },
  },
  {
    id: 'clamp',
    language: 'go',
    description: 'Clamp(x, lo, hi int) int: x limited to the range [lo, hi]',
    tests: [
      {
        path: 'clamp_test.go',
        content: `package clamp

import "testing"

func TestInside(t *testing.T) {
	if got := Clamp(5, 0, 10); got != 5 {
		t.Errorf("Clamp(5, 0, 10) = %d, want 5", got)
	}
}

func TestBelow(t *testing.T) {
	if got := Clamp(-3, 0, 10); got != 0 {
		t.Errorf("Clamp(-3, 0, 10) = %d, want 0", got)
	}
}

func TestAbove(t *testing.T) {
	if got := Clamp(42, 0, 10); got != 10 {
		t.Errorf("Clamp(42, 0, 10) = %d, want 10", got)
	}
}
`,
      },
    ],
    answers: {
      [MODEL_A]: {
        right: file('go', 'clamp.go', CLAMP_RIGHT),
        // forgets the upper bound
        defects: [{ when: ['TestAbove'], right: '\tif x > hi {\n\t\treturn hi\n\t}\n', wrong: '' }],
      },
      [MODEL_B]: {
        right: file('go', 'clamp.go', CLAMP_RIGHT),
        // a variable it never uses: Go does not compile that
        defects: [
          { when: ['clamp.go:5:'], right: '\tif x < lo {', wrong: '\tspan := hi - lo\n\tif x < lo {' },
        ],
      },
    },
  },
  {
    id: 'fizzbuzz',
    language: 'rust',
    description:
      'fizzbuzz(n: u32) -> String: "Fizz" for multiples of 3, "Buzz" of 5, "FizzBuzz" of both, else the number',
    tests: [
      {
        path: 'tests.rs',
        content: `use super::*;

#[test]
fn plain() {
    assert_eq!(fizzbuzz(1), "1");
}

#[test]
fn fizz() {
    assert_eq!(fizzbuzz(3), "Fizz");
}

#[test]
fn buzz() {
    assert_eq!(fizzbuzz(5), "Buzz");
}

#[test]
fn both() {
    assert_eq!(fizzbuzz(15), "FizzBuzz");
}
`,
      },
    ],
    answers: {
      [MODEL_A]: {
        right: file('rust', 'src/lib.rs', FIZZBUZZ_RIGHT),
        // tests 3 before 15
        defects: [
          {
            when: ['> both'],
            right: '(0, 0) => "FizzBuzz".to_string(),\n        (0, _) => "Fizz".to_string(),',
            wrong: '(0, _) => "Fizz".to_string(),\n        (0, 0) => "FizzBuzz".to_string(),',
          },
        ],
      },
      [MODEL_B]: { right: file('rust', 'src/lib.rs', FIZZBUZZ_RIGHT) },
    },
  },
  {
    id: 'palindrome',
    language: 'java',
    description:
      'Palindromes.isPalindrome(String): true when it reads the same backwards, ignoring case and anything but letters and digits',
    tests: [
      {
        path: 'PalindromeTest.java',
        content: `import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PalindromeTest {
    @Test
    void simple() {
        assertTrue(Palindromes.isPalindrome("level"));
    }

    @Test
    void mixedCase() {
        assertTrue(Palindromes.isPalindrome("Level"));
    }

    @Test
    void punctuation() {
        assertTrue(Palindromes.isPalindrome("A man, a plan, a canal: Panama"));
    }

    @Test
    void notOne() {
        assertFalse(Palindromes.isPalindrome("hello"));
    }
}
`,
      },
    ],
    answers: {
      [MODEL_A]: { right: file('java', 'Palindromes.java', PALINDROME_RIGHT) },
      [MODEL_B]: {
        right: file('java', 'Palindromes.java', PALINDROME_RIGHT),
        // compares the raw string
        defects: [
          {
            when: ['mixedCase', 'punctuation'],
            right: 'String t = s.toLowerCase().replaceAll("[^a-z0-9]", "");',
            wrong: 'String t = s;',
          },
        ],
      },
    },
  },
];
