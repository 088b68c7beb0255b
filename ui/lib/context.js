// Context keys (`typescript|builtin|m|e1t0d1m1`) spelled out: what learning conditions on.

const SIZES = {
  xs: 'tiny registry (under 20 symbols)',
  s: 'small registry (20-99 symbols)',
  m: 'medium registry (100-499 symbols)',
  l: 'large registry (500-1,999 symbols)',
  xl: 'very large registry (2,000+ symbols)',
};
const GENERATORS = {
  builtin: 'built-in templates',
  ollama: 'Ollama model',
  openai: 'OpenAI model',
  anthropic: 'Anthropic model',
};
const LANGUAGES = { typescript: 'TypeScript', python: 'Python', go: 'Go', rust: 'Rust', java: 'Java' };
const FLAGS = [
  ['e', 'enums'],
  ['t', 'template attributes'],
  ['d', 'deprecations'],
  ['m', 'metrics'],
];

/** `typescript|builtin|m|e1t0d1m1` as words; the key itself when it is not one. */
export function contextWords(key) {
  const m = /^([a-z]+)\|([a-z]+)\|(xs|s|m|l|xl)\|e([01])t([01])d([01])m([01])$/.exec(key || '');
  if (!m) return key || '';
  const flags = FLAGS.map(([, name], i) => (m[4 + i] === '1' ? `with ${name}` : `no ${name}`));
  return `${LANGUAGES[m[1]] || m[1]}, ${GENERATORS[m[2]] || m[2]}, ${SIZES[m[3]]}; ${flags.join(', ')}`;
}
