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

/**
 * The acronyms of go.opentelemetry.io/otel/semconv, spelled as that package spells them (the
 * `acronyms` list of its generator's weaver.yaml): a word of a key equal to one of them, ignoring
 * case, takes this spelling (`dynamodb` -> `DynamoDB`, `k8s` -> `K8S`, `otel` -> `OTel`).
 */
export const GO_SEMCONV_ACRONYMS: readonly string[] = (
  'ACL AI AIX AKS AMD64 API ARM32 ARM64 ARN ARNs ASCII ASPNETCore AWS ActiveMQ AppHub CICD CPP CPU CSI ' +
  'CSS CVM ClickHouse CloudEvents CloudFoundry CockroachDB CosmosDB CouchDB CronJob DB DB2 DC DNS ' +
  'DaemonSet DragonflyBSD DynamoDB EC2 ECS EDB EKS EOF EventGrid EventHubs FC FaaS FirebirdSQL ' +
  'FirstSQL FreeBSD GC GCE GCP GNU GRPC GUID GraphQL HANA HBase HPA HPUX HSQLDB HTML HTTP HTTPS ' +
  'HanaDB IA64 IBM ICC ID IO IOS IOWait IP IPv4 IPv6 ISO InProc InfluxDB InstantDB JDBC JMS JSON ' +
  'JSONRPC JVM K8S LHS MCC MNC MSSQL MariaDB MaxDB MongoDB MySQL NetBSD OCI OKE OS OTel OpenAI ' +
  'OpenBSD OpenSearch OpenShift OpenTracing PHP PID PPC32 PPC64 PostgreSQL PubSub QPS QUIC RAM RHS ' +
  'RPC RabbitMQ ReplicaSet ReplicationController ResourceQuota RocketMQ SAP SCF SDK SLA SMTP SNS ' +
  'SPDY SQL SQLite SQS SSH ServiceBus SignalR StatefulSet TCP TLS TTL UDP UI UID URI URL UTF8 UUID ' +
  'V8JS VCS VM WebEngine WebJS XML XMPP XSRF XSS ZOS'
).split(' ');

const ACRONYM_BY_WORD = new Map(GO_SEMCONV_ACRONYMS.map((a) => [a.toLowerCase(), a]));

/** Whole-name replacements the Go semconv generator applies after casing (inherited from its semconvgen). */
const GO_SEMCONV_REPLACEMENTS: [string, string][] = [
  ['RedisDatabase', 'RedisDB'],
  ['IPTCP', 'TCP'],
  ['IPUDP', 'UDP'],
  ['Lineno', 'LineNumber'],
];

/**
 * The Go identifier go.opentelemetry.io/otel/semconv derives from a dotted name, by the same rules:
 * the name splits into words at every character that is not a letter or digit (`.`, `_`, ...); a
 * word that is one of GO_SEMCONV_ACRONYMS (ignoring case) takes the acronym's spelling, any other
 * word gets its first letter upper-cased and keeps the rest; then a few whole-name replacements.
 * `http.request.id` -> `HTTPRequestID`, `aws.dynamodb.table_names` -> `AWSDynamoDBTableNames`,
 * `k8s.daemonset.name` -> `K8SDaemonSetName`, `code.lineno` -> `CodeLineNumber`.
 */
export function goName(s: string): string {
  let name = String(s)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => ACRONYM_BY_WORD.get(w.toLowerCase()) ?? w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  for (const [from, to] of GO_SEMCONV_REPLACEMENTS) name = name.split(from).join(to);
  return name;
}
