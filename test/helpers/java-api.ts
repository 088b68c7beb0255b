import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_STAND_INS, findOpenTelemetryApi } from '../../node/validation/toolchains/java.js';

/**
 * The java-semconv pack's default output declares `AttributeKey<T>` of opentelemetry-api, which is
 * not in Debian: where no jar is found offline the validator compiles against its own stand-ins and
 * reports "not validated" (never a pass). Tests that run the whole pipeline on Java and expect it to
 * pass point WEAVERGEN_OTEL_API_JAR at a classes folder compiled from those stand-ins: it proves the
 * output compiles against the API's names and signatures, not against the real jar
 * (java-official.test.ts uses the real one where it is found). Mirrors python-api.ts.
 */
let built: string | undefined;

/** A classes folder of the stand-ins (compiled once per process), or undefined when javac fails. */
export function javaApiStandIn(): string | undefined {
  if (built) return built;
  const src = mkdtempSync(join(tmpdir(), 'wg-java-api-src-'));
  const out = mkdtempSync(join(tmpdir(), 'wg-java-api-'));
  const files: string[] = [];
  for (const [name, text] of Object.entries(API_STAND_INS)) {
    const dir = join(src, 'io', 'opentelemetry', 'api', 'common');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.java`), text);
    files.push(join(dir, `${name}.java`));
  }
  const r = spawnSync('javac', ['-d', out, ...files], { stdio: 'ignore' });
  if (r.status !== 0) return undefined;
  built = out;
  return out;
}

/** The environment for a process whose Java validation should pass: {} where a real jar is found. */
export function javaApiEnv(): NodeJS.ProcessEnv {
  if (findOpenTelemetryApi()) return {};
  const dir = javaApiStandIn();
  return dir ? { WEAVERGEN_OTEL_API_JAR: dir } : {};
}

/** javaApiEnv for this whole process (the CLI and nodes a test file starts inherit it); a note for test names. */
export function provideJavaApi(): string {
  const env = javaApiEnv();
  if (!env.WEAVERGEN_OTEL_API_JAR) return '';
  process.env.WEAVERGEN_OTEL_API_JAR = env.WEAVERGEN_OTEL_API_JAR;
  return ' (opentelemetry-api jar not found: Java compiled against a stand-in of io.opentelemetry.api)';
}
