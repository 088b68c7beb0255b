import { describe, expect, it } from 'vitest';
import { NOISE_SENSITIVITY } from '../../../marketplace/digest.js';
import { createAnonymizer, SENSITIVITY } from '../../../protocols/anonymizer.js';

/**
 * A receiver weighs a peer's noisy counts by the noise the sender added: the marketplace's scale
 * (NOISE_SENSITIVITY / epsilon) must be the anonymizer's (SENSITIVITY / epsilon).
 */
describe('the noise scale receivers assume', () => {
  it('is the scale the anonymizer draws with', () => {
    expect(NOISE_SENSITIVITY).toBe(SENSITIVITY);
    for (const epsilon of [0.5, 1, 2])
      expect(NOISE_SENSITIVITY / epsilon).toBe(createAnonymizer({ epsilon }).scale);
  });
});
