import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateWithPack,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../../../node/generation/index.js';
import { findPack, type Pack } from '../../../node/packs/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { expectedSymbols, registryValues } from '../../../node/validation/expected.js';
import { javaSupport } from '../../../node/validation/languages/java.js';
import { checkSymbols } from '../../../node/validation/symbol-check.js';
import { javaSymbols } from '../../../node/validation/symbols/java.js';
import type { ExtractedSymbol } from '../../../node/validation/symbols/types.js';
import type { SourceFile } from '../../../node/validation/toolchain.js';
import {
  API_NOT_FOUND,
  createJavaToolchain,
  findOpenTelemetryApi,
  parseJavacOutput,
  usesOpenTelemetryApi,
} from '../../../node/validation/toolchains/java.js';
import { javaApiStandIn } from '../../helpers/java-api.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { skipNote, toolchain as tools } from '../../helpers/tools.js';

let model: TemplateRegistry;
let pack: Pack;
let defaultFiles: SourceFile[];
const toolchain = createJavaToolchain();
const SEMCONV = 'src/main/java/io/opentelemetry/semconv';
const REAL = semconvRegistry();
const JAVAC = tools('java');

beforeAll(async () => {
  if (!REAL) return;
  model = toTemplateRegistry((await loadRegistry(REAL, { check: false })).registry);
  pack = await findPack('java');
  defaultFiles = (await generateWithPack(pack, model)).files;
});

const qualified = (s: ExtractedSymbol) => (s.container ? `${s.container}.${s.name}` : s.name);
const byName = (syms: ExtractedSymbol[]) => Object.fromEntries(syms.map((s) => [qualified(s), s]));
const file = (files: SourceFile[], path: string) => files.find((f) => f.path === path)?.content ?? '';

describe('Java symbol extractor', () => {
  const syms = javaSymbols.extract([
    {
      path: 'p/HttpAttributes.java',
      content: [
        'package p;',
        '',
        'import java.util.List;',
        '',
        '/** Class doc, not a constant. */',
        'public final class HttpAttributes {',
        '  /**',
        '   * HTTP request method, &lt;b&gt; &#92;u escaped &#64;here *&#47;.',
        '   */',
        '  public static final String HTTP_REQUEST_METHOD = "http.request.method";',
        '',
        '  /**',
        '   * Old.',
        '   *',
        '   * @deprecated Replaced by {@code http.request.method}.',
        '   */',
        '  @Deprecated',
        '  public static final String HTTP_METHOD = "http.method";',
        '  @java.lang.Deprecated public static final long OLD_COUNT = 10L, OTHER = -0x10;',
        '  public static final AttributeKey<List<String>> NAMES = AttributeKey.stringArrayKey("a.names");',
        '  public static final AttributeKeyTemplate<String> HDR = stringKeyTemplate("a.hdr");',
        '  /** Header template. */',
        '  public static String HTTP_REQUEST_HEADER(String key) {',
        '    return "http.request." + "header." + key;',
        '  }',
        '  public static String notTemplate() { return "plain"; }',
        '  private static final String CONCAT = "a" + "b";',
        '  private String instance = "no";',
        '  static { String local = "no"; }',
        '  // public static final String IN_COMMENT = "no";',
        '  public static final String TRICKY = "not \\" a { brace";',
        "  public static final char C = '}';",
        '',
        '  /** Values for {@link #HTTP_REQUEST_METHOD}. */',
        '  public static final class HttpRequestMethodValues {',
        '    /** GET method. */',
        '    public static final String GET = "GET";',
        '    public static final long OK = 0;',
        '    private HttpRequestMethodValues() {}',
        '  }',
        '',
        '  /** @deprecated gone */',
        '  @Deprecated',
        '  public static final class OldValues {',
        '    public static final String X = "x";',
        '  }',
        '',
        '  public enum Kind {',
        '    /** Server side. */',
        '    SERVER("server"),',
        '    CLIENT("client") { @Override public String toString() { return "c"; } },',
        '    ;',
        '    private final String value;',
        '    Kind(String value) { this.value = value; }',
        '  }',
        '',
        '  public static final String AFTER = "after";',
        '  private HttpAttributes() {}',
        '}',
        'interface Keys { String IFACE = "i.face"; }',
      ].join('\n'),
    },
    { path: 'notes.txt', content: 'public static final String NOT_JAVA = "x";' },
  ]);
  const by = byName(syms);

  it('reads static final constants with value, line, decoded Javadoc and deprecation', () => {
    expect(by.HTTP_REQUEST_METHOD).toMatchObject({
      value: 'http.request.method',
      kind: 'constant',
      line: 10,
      container: '',
      deprecated: false,
      doc: 'HTTP request method, <b> \\u escaped @here */.',
      file: 'p/HttpAttributes.java',
    });
    expect(by.HTTP_METHOD).toMatchObject({
      value: 'http.method',
      deprecated: true,
      line: 18,
      doc: expect.stringContaining('@deprecated Replaced by'),
    });
    expect(by.OLD_COUNT).toMatchObject({ value: 10, deprecated: true });
    expect(by.OTHER).toMatchObject({ value: -16 });
    expect(by.NAMES).toMatchObject({ value: 'a.names', kind: 'constant' });
    expect(by.CONCAT.value).toBe('ab');
    expect(by.TRICKY.value).toBe('not " a { brace');
    expect(by.C.value).toBe('}');
    expect(by.AFTER).toMatchObject({ value: 'after', container: '' });
    expect(by['Keys.IFACE']).toBeUndefined(); // a top-level interface is not a container
    expect(by.IFACE).toMatchObject({ value: 'i.face', container: '' });
    for (const n of ['instance', 'local', 'IN_COMMENT', 'NOT_JAVA', 'notTemplate'])
      expect(by[n], n).toBeUndefined();
  });

  it('reads template attributes from static methods and KeyTemplate factories', () => {
    expect(by.HTTP_REQUEST_HEADER).toMatchObject({
      kind: 'template',
      value: 'http.request.header',
      doc: 'Header template.',
      line: 23,
    });
    expect(by.HDR).toMatchObject({ kind: 'template', value: 'a.hdr' });
  });

  it('gives members of nested classes and enums their type as container', () => {
    expect(by['HttpRequestMethodValues.GET']).toMatchObject({
      value: 'GET',
      doc: 'GET method.',
      deprecated: false,
      line: 37,
    });
    expect(by['HttpRequestMethodValues.OK']).toMatchObject({ value: 0 });
    expect(by['OldValues.X']).toMatchObject({ value: 'x', deprecated: true });
    expect(by['Kind.SERVER']).toMatchObject({ value: 'server', doc: 'Server side.' });
    expect(by['Kind.CLIENT']).toMatchObject({ value: 'client' });
  });

  it('does not take a copy deprecated in favor of its stable original for a deprecated item', () => {
    const moved = byName(
      javaSymbols.extract([
        {
          path: 'p/incubating/HttpIncubatingAttributes.java',
          content: [
            'package p.incubating;',
            'public final class HttpIncubatingAttributes {',
            '  /**',
            '   * HTTP request method.',
            '   *',
            '   * @deprecated deprecated in favor of stable {@link p.HttpAttributes#HTTP_REQUEST_METHOD} attribute.',
            '   */',
            '  @Deprecated public static final String HTTP_REQUEST_METHOD = "http.request.method";',
            '  /** @deprecated Replaced by {@code http.request.method}. */',
            '  @Deprecated public static final String HTTP_METHOD = "http.method";',
            '  /** @deprecated deprecated in favor of stable {@link p.HttpAttributes.HttpRequestMethodValues}. */',
            '  @Deprecated',
            '  public static final class HttpRequestMethodIncubatingValues {',
            '    public static final String GET = "GET";',
            '    /** @deprecated Gone. */',
            '    @Deprecated public static final String OLD = "OLD";',
            '  }',
            '}',
          ].join('\n'),
        },
      ]),
    );
    expect(moved.HTTP_REQUEST_METHOD).toMatchObject({ deprecated: false });
    expect(moved.HTTP_METHOD).toMatchObject({ deprecated: true });
    expect(moved['HttpRequestMethodIncubatingValues.GET']).toMatchObject({ deprecated: false });
    expect(moved['HttpRequestMethodIncubatingValues.OLD']).toMatchObject({ deprecated: true });
  });

  it('applies unicode escapes as javac does', () => {
    const [s] = javaSymbols.extract([
      { path: 'U.java', content: 'class U {\n  static final String \\u0041 = "\\u0062\\\\u0063";\n}\n' },
    ]);
    expect(s).toMatchObject({ name: 'A', value: 'b\\u0063', line: 2 });
  });
});

describe('javac toolchain', () => {
  it('parses located errors with the caret column, and file-less warnings', () => {
    const d = parseJavacOutput(
      [
        'src/p/A.java:3: error: incompatible types: int cannot be converted to String',
        '  public static final String X = 42;',
        '                                 ^',
        'src/p/B.java:7: warning: [deprecation] OLD in A has been deprecated',
        '    String y = A.OLD;',
        '                ^',
        'warning: [options] bootstrap class path not set in conjunction with -source 8',
        'Note: Some input files use unchecked or unsafe operations.',
        '1 error',
        '2 warnings',
      ].join('\n'),
    );
    expect(d).toEqual([
      {
        file: 'src/p/A.java',
        line: 3,
        column: 34,
        severity: 'error',
        message: 'incompatible types: int cannot be converted to String',
      },
      {
        file: 'src/p/B.java',
        line: 7,
        column: 17,
        severity: 'warning',
        message: '[deprecation] OLD in A has been deprecated',
      },
      {
        file: '',
        line: 0,
        column: 0,
        severity: 'warning',
        message: '[options] bootstrap class path not set in conjunction with -source 8',
      },
    ]);
  });

  const broken = `fails a broken file with a diagnostic at its file and line, and counts lint warnings${JAVAC.note}`;
  it.skipIf(JAVAC.skip)(broken, async () => {
    const r = await toolchain.validate([
      {
        path: 'src/p/Ok.java',
        content:
          'package p;\n\npublic final class Ok {\n  /** @deprecated */\n  public static final String OLD = "x";\n}\n',
      },
      {
        path: 'src/p/Broken.java',
        content: 'package p;\n\npublic final class Broken {\n  public static final String X = 42;\n}\n',
      },
    ]);
    expect(r.status).toBe('failed');
    expect(r.errors).toBe(1);
    expect(r.diagnostics.find((d) => d.severity === 'error')).toMatchObject({
      file: 'src/p/Broken.java',
      line: 4,
      column: 34,
    });
    // -Xlint:all: an @deprecated tag without @Deprecated
    expect(r.warnings).toBe(1);
    expect(r.diagnostics.find((d) => d.severity === 'warning')).toMatchObject({
      file: 'src/p/Ok.java',
      line: 5,
      message: expect.stringMatching(/dep-ann/),
    });
  });

  const usesApi = [
    {
      path: 'src/p/Keys.java',
      content: [
        'package p;',
        '',
        'import static io.opentelemetry.api.common.AttributeKey.stringKey;',
        'import static io.opentelemetry.api.common.AttributeKey.valueKey;',
        '',
        'import io.opentelemetry.api.common.AttributeKey;',
        'import io.opentelemetry.api.common.Value;',
        '',
        'public final class Keys {',
        '  public static final AttributeKey<String> A = stringKey("a");',
        '  public static final AttributeKey<Value<?>> B = valueKey("b");',
        '',
        '  private Keys() {}',
        '}',
      ].join('\n'),
    },
  ];
  it('finds the OpenTelemetry API where it is kept, and knows when output needs it', async () => {
    expect(usesOpenTelemetryApi(usesApi)).toBe(true);
    expect(usesOpenTelemetryApi([{ path: 'A.java', content: 'package a;\nclass A {}' }])).toBe(false);
    // output that brings its own io.opentelemetry.api needs nothing
    expect(
      usesOpenTelemetryApi([
        ...usesApi,
        {
          path: 'AttributeKey.java',
          content: 'package io.opentelemetry.api.common;\ninterface AttributeKey<T> {}',
        },
      ]),
    ).toBe(false);
    const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const home = await mkdtemp(join(tmpdir(), 'wg-m2-'));
    expect(findOpenTelemetryApi({}, home)).toBe(
      // the machine's own Debian jar wins over the (empty) home
      findOpenTelemetryApi({}, join(home, 'nowhere')),
    );
    const repo = join(home, '.m2/repository/io/opentelemetry/opentelemetry-api');
    for (const v of ['1.9.0', '1.66.0', '1.62.0']) {
      await mkdir(join(repo, v), { recursive: true });
      await writeFile(join(repo, v, `opentelemetry-api-${v}.jar`), '');
    }
    const debian = findOpenTelemetryApi({}, join(home, 'nowhere'));
    expect(findOpenTelemetryApi({}, home)).toBe(debian ?? join(repo, '1.66.0/opentelemetry-api-1.66.0.jar'));
    expect(
      findOpenTelemetryApi({ WEAVERGEN_OTEL_API_JAR: join(repo, '1.9.0/opentelemetry-api-1.9.0.jar') }, home),
    ).toBe(join(repo, '1.9.0/opentelemetry-api-1.9.0.jar'));
    // set but missing: not found, whatever else is there
    expect(findOpenTelemetryApi({ WEAVERGEN_OTEL_API_JAR: join(home, 'missing.jar') }, home)).toBeUndefined();
  });

  const standIns = `without opentelemetry-api, compiles against stand-ins and says it did not validate against the API${JAVAC.note}`;
  it.skipIf(JAVAC.skip)(standIns, async () => {
    const r = await createJavaToolchain({ apiJar: null }).validate(usesApi);
    expect(r.diagnostics).toEqual([]);
    // it compiles, but nothing was checked against the API itself: not validated, never a pass
    expect(r).toMatchObject({ status: 'not_validated', errors: 0, warnings: 0, reason: API_NOT_FOUND });
    expect(r.reason).toMatch(/^not validated: opentelemetry-api \(io\.opentelemetry\.api\) not found/);
    // the stand-ins have the real API's names only: a method the API lacks does not compile
    const wrong = await createJavaToolchain({ apiJar: null }).validate([
      {
        path: 'src/p/Bad.java',
        content:
          'package p;\n\nimport io.opentelemetry.api.common.AttributeKey;\n\npublic final class Bad {\n  public static final AttributeKey<Object> A = AttributeKey.anyKey("a");\n}\n',
      },
    ]);
    expect(wrong.status).toBe('failed');
    expect(wrong.diagnostics[0]).toMatchObject({ file: 'src/p/Bad.java', line: 6, severity: 'error' });
    // output that does not use the API says nothing about it
    const plain = await createJavaToolchain({ apiJar: null }).validate([
      { path: 'A.java', content: 'final class A {}' },
    ]);
    expect(plain).toMatchObject({ status: 'passed' });
    expect(plain.reason).toBeUndefined();
  });

  const API_JAR = findOpenTelemetryApi();
  const real = `compiles against the real opentelemetry-api jar when there is one, and names it${JAVAC.note || (API_JAR ? '' : ' (skipped: opentelemetry-api not found)')}`;
  it.skipIf(JAVAC.skip || !API_JAR)(real, async () => {
    const r = await createJavaToolchain().validate(usesApi);
    expect(r.diagnostics).toEqual([]);
    expect(r).toMatchObject({ status: 'passed', errors: 0, warnings: 0 });
    expect(r.reason).toMatch(/^compiled against io\.opentelemetry\.api from opentelemetry-api.*\.jar$/);
  });

  it('reports a missing compiler as not validated, never as a pass', async () => {
    const r = await createJavaToolchain({ command: 'weavergen-no-such-javac' }).validate([
      { path: 'A.java', content: 'class A {}' },
    ]);
    expect(r).toMatchObject({
      status: 'not_validated',
      reason: 'not validated: weavergen-no-such-javac not found (Debian package: default-jdk-headless)',
      errors: 0,
    });
    expect(createJavaToolchain().tool).toBe('javac');
  });

  const timeout = `fails output without Java files, and turns a timeout into a failure with a reason${JAVAC.note}`;
  it.skipIf(JAVAC.skip)(timeout, async () => {
    expect(await toolchain.validate([{ path: 'README.md', content: '' }])).toMatchObject({
      status: 'failed',
      errors: 1,
    });
    const r = await toolchain.validate([{ path: 'A.java', content: 'class A {}' }], { timeoutMs: 1 });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/timed out/);
  });
});

describe.skipIf(!REAL)(`java-semconv pack on the real registry${skipNote(!REAL && SEMCONV_MISSING)}`, () => {
  const compiles = `compiles the default output and each other param value with no error and no warning${JAVAC.note}`;
  it.skipIf(JAVAC.skip)(compiles, async () => {
    const runs: Record<string, string>[] = [{}];
    for (const [k, spec] of Object.entries(pack.manifest.params))
      for (const v of spec.values) if (v !== spec.default) runs.push({ [k]: v });
    expect(runs.length).toBe(6);
    const withApi = createJavaToolchain({ apiJar: findOpenTelemetryApi() ?? javaApiStandIn() ?? null });
    for (const params of runs) {
      const files =
        Object.keys(params).length === 0 ? defaultFiles : (await generateWithPack(pack, model, params)).files;
      // against the real jar where one is here, else a classes folder built from the stand-ins
      const r = await withApi.validate(files);
      expect(r.diagnostics.slice(0, 3), JSON.stringify(params)).toEqual([]);
      expect(r, JSON.stringify(params)).toMatchObject({ status: 'passed', errors: 0, warnings: 0 });
      // the default needs opentelemetry-api and says what it was compiled against
      if ((params.key_style ?? 'api') === 'api')
        expect(r.reason, JSON.stringify(params)).toMatch(/^compiled against io\.opentelemetry\.api from /);
      else expect(r.reason, JSON.stringify(params)).toBeUndefined();
    }
  });

  it('emits every attribute, member, metric and event with its exact value and the official names', () => {
    const syms = javaSymbols.extract(defaultFiles);
    const values = new Set(syms.map((s) => String(s.value)));
    const kept = (key: string, all: string[]) =>
      values.has(key) ||
      all.some(
        (k) =>
          k !== key && values.has(k) && javaSupport.naming.attribute(k) === javaSupport.naming.attribute(key),
      );
    const keys = model.attributes.map((a) => a.key);
    for (const k of keys) expect(kept(k, keys), k).toBe(true);
    const metrics = model.metrics.map((m) => m.name);
    for (const m of metrics) expect(kept(m, metrics), m).toBe(true);
    for (const e of model.events) expect(values.has(e.name), e.name).toBe(true);

    const at = (name: string, path: string) =>
      syms.find((s) => qualified(s) === name && s.file === `${SEMCONV}/${path}`);
    expect(at('HTTP_REQUEST_METHOD', 'HttpAttributes.java')).toMatchObject({
      value: 'http.request.method',
      doc: expect.stringMatching(/^HTTP request method\./),
    });
    // the incubating copy of a stable attribute is @Deprecated in favor of the stable one, as officially;
    // the item it stands for is not deprecated
    expect(at('HTTP_REQUEST_METHOD', 'incubating/HttpIncubatingAttributes.java')).toMatchObject({
      value: 'http.request.method',
      deprecated: false,
    });
    expect(file(defaultFiles, `${SEMCONV}/incubating/HttpIncubatingAttributes.java`)).toMatch(
      / {3}\* @deprecated deprecated in favor of stable \{@link io\.opentelemetry\.semconv\.HttpAttributes#HTTP_REQUEST_METHOD\} attribute\.\n {3}\*\/\n {2}@Deprecated\n {2}public static final AttributeKey<String> HTTP_REQUEST_METHOD = stringKey\("http\.request\.method"\);/,
    );
    expect(at('HttpRequestMethodValues.GET', 'HttpAttributes.java')?.value).toBe('GET');
    expect(
      at('HttpRequestMethodIncubatingValues.QUERY', 'incubating/HttpIncubatingAttributes.java')?.value,
    ).toBe('QUERY');
    expect(at('HTTP_SERVER_REQUEST_DURATION_NAME', 'HttpMetrics.java')?.value).toBe(
      'http.server.request.duration',
    );
    expect(at('HTTP_SERVER_REQUEST_DURATION_UNIT', 'HttpMetrics.java')?.value).toBe('s');
    expect(at('HTTP_REQUEST_HEADER', 'HttpAttributes.java')).toMatchObject({
      kind: 'template',
      value: 'http.request.header',
    });
    expect(at('APP_CRASH', 'incubating/AppIncubatingEvents.java')?.value).toBe('app.crash');
    expect(
      at('RpcGrpcStatusCodeIncubatingValues.UNAVAILABLE', 'incubating/RpcIncubatingAttributes.java')?.value,
    ).toBe(14);
    expect(javaSupport.naming.attribute('http.request.method')).toBe('HTTP_REQUEST_METHOD');
    expect(javaSupport.naming.metric('http.server.request.duration')).toBe(
      'HTTP_SERVER_REQUEST_DURATION_NAME',
    );
    expect(javaSupport.naming.enumMember('http.request.method', 'get')).toBe(
      'HttpRequestMethodIncubatingValues.GET',
    );

    const report = checkSymbols(expectedSymbols(model), syms, javaSupport.naming, {
      known: registryValues(model),
    });
    expect(report.found).toBe(report.expected);
    expect(report.namedOfficially).toBe(report.found);
    expect(report.documented).toBe(report.documentable);
    expect(report.deprecatedMarked).toBe(report.deprecatedExpected);
    expect(report.falselyDeprecated).toBe(0);
    // nothing invented (units, descriptions, the schema URL are registry values), nothing wrong
    expect(report.defects.slice(0, 5)).toEqual([]);
    expect(report.correct).toBe(true);
  });

  it('marks deprecation both ways, keeps Javadoc safe, and splits stable from incubating', async () => {
    const inc = file(defaultFiles, `${SEMCONV}/incubating/AndroidIncubatingAttributes.java`);
    expect(inc).toMatch(
      / \* @deprecated Replaced by `android\.app\.state`\.\n {3}\*\/\n {2}@Deprecated\n {2}public static final AttributeKey<String> ANDROID_STATE = stringKey\("android\.state"\);/,
    );
    expect(file(defaultFiles, `${SEMCONV}/AndroidAttributes.java`)).toBe(''); // no stable android attribute
    const all = defaultFiles.map((f) => f.content).join('\n');
    expect(all).not.toMatch(/\\u/); // javac reads \u escapes even in comments
    for (const f of defaultFiles) {
      const inside = f.content.replace(/\/\*[\s\S]*?\*\//g, '');
      expect(inside, f.path).not.toMatch(/^\s*\*(?!\/)/m); // no comment text leaked out of a Javadoc block
    }
    const typed = (await generateWithPack(pack, model, { key_style: 'typed' })).files;
    expect(file(typed, `${SEMCONV}/HttpAttributes.java`)).toContain(
      'public static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");',
    );
    expect(file(typed, `${SEMCONV}/AttributeKey.java`)).toContain('public final class AttributeKey<T>');
    const syms = byName(javaSymbols.extract(typed.filter((f) => f.path.endsWith('/HttpAttributes.java'))));
    expect(syms.HTTP_REQUEST_HEADER).toMatchObject({ kind: 'template', value: 'http.request.header' });
    // the plain-constants variant stays a param
    const strings = (await generateWithPack(pack, model, { key_style: 'string' })).files;
    expect(file(strings, `${SEMCONV}/HttpAttributes.java`)).toContain(
      'public static final String HTTP_REQUEST_METHOD = "http.request.method";',
    );
    expect(file(strings, `${SEMCONV}/AttributeKeyTemplate.java`)).toBe('');
  });
});
