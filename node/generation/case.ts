/** Case conversions for template authors. Words split on separators and on lower->Upper boundaries. */

export function words(s: string): string[] {
  return String(s)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();

export const snakeCase = (s: string): string =>
  words(s)
    .map((w) => w.toLowerCase())
    .join('_');
export const screamingSnakeCase = (s: string): string =>
  words(s)
    .map((w) => w.toUpperCase())
    .join('_');
export const kebabCase = (s: string): string =>
  words(s)
    .map((w) => w.toLowerCase())
    .join('-');
export const pascalCase = (s: string): string => words(s).map(cap).join('');
export const camelCase = (s: string): string => {
  const p = pascalCase(s);
  return p.charAt(0).toLowerCase() + p.slice(1);
};

/** Go's initialisms (golint's list plus the ones the Go semconv package uses). */
const GO_INITIALISMS = new Set([
  'ACL',
  'API',
  'ASCII',
  'AWS',
  'CPU',
  'CSS',
  'DB',
  'DNS',
  'EOF',
  'FAAS',
  'GC',
  'GCP',
  'GUID',
  'HTML',
  'HTTP',
  'HTTPS',
  'ID',
  'IO',
  'IP',
  'JSON',
  'JVM',
  'K8S',
  'LHS',
  'OS',
  'QPS',
  'RAM',
  'RHS',
  'RPC',
  'SDK',
  'SLA',
  'SMTP',
  'SQL',
  'SSH',
  'TCP',
  'TLS',
  'TTL',
  'UDP',
  'UI',
  'UID',
  'UUID',
  'URI',
  'URL',
  'UTF8',
  'VM',
  'XML',
  'XMPP',
  'XSRF',
  'XSS',
]);

/** PascalCase with Go initialisms upper-cased: `http.request.id` -> `HTTPRequestID`. */
export const goName = (s: string): string =>
  words(s)
    .map((w) => (GO_INITIALISMS.has(w.toUpperCase()) ? w.toUpperCase() : cap(w)))
    .join('');
