import { describe, expect, it } from 'vitest';
import { foreignLines } from '../../../bench/sim/model.js';
import type { SimRequest } from '../../../bench/sim/prompt.js';

const request = (feedback: string[]): SimRequest => ({
  language: 'python',
  header: 'Registry "weavergen-example" 0.1.0.',
  files: ['attributes/shop_attributes.py'],
  items: [],
  round: 2,
  feedback: feedback.map((text) => ({ section: 'Invented', text })),
  previous: [
    {
      path: 'attributes/shop_attributes.py',
      content: 'from enum import Enum\n\n\nclass ShopOrderStatusValues(Enum):\n    SHIPPPED = "shipped"\n',
      truncated: false,
    },
  ],
});

describe("the bench's count of feedback lines about other chunks", () => {
  it('does not count a line naming an enum member of the previous files by its class', () => {
    const own =
      'invented: ShopOrderStatusValues.SHIPPPED = "shipped" (attributes/shop_attributes.py:5) stands for no registry item: remove it';
    const other =
      'invented: HttpRouteValues.ANY = "any" (attributes/http_attributes.py:9) stands for no registry item: remove it';
    expect(foreignLines(request([own, other]))).toEqual([other]);
  });
});
