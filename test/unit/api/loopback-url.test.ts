import { describe, expect, it } from 'vitest';
import { isLoopbackHost, urlHostIsLoopback } from '../../../node/api/auth.js';

describe('urlHostIsLoopback: the fast path reads a URL as new URL(url).hostname would', () => {
  const urls = [
    'http://127.0.0.1:4590/v1/health',
    'http://127.0.0.1/v1/health?limit=5',
    'http://localhost:4590/',
    'http://[::1]:4590/v1/generations',
    'http://LOCALHOST:4590/',
    'http://127.1:4590/',
    'http://127.0.0.1@evil.example/',
    'http://127.0.0.1:4590@evil.example/',
    'http://127.0.0.1.evil.example/',
    'http://localhost.:4590/',
    'http://evil.example/',
    'http://10.0.0.1:4590/',
    'https://127.0.0.1:4590/',
  ];
  for (const url of urls)
    it(url, () => expect(urlHostIsLoopback(url)).toBe(isLoopbackHost(new URL(url).hostname)));

  it('a port no URL can have is refused as the parser refuses it', () => {
    expect(() => urlHostIsLoopback('http://127.0.0.1:99999/')).toThrow();
  });
});
