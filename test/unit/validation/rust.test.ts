import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateWithPack,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../../../node/generation/index.js';
import { paramCombinations } from '../../../node/optimizer/arms.js';
import { findPack, type Pack } from '../../../node/packs/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { expectedSymbols, registryValues } from '../../../node/validation/expected.js';
import { rustSupport } from '../../../node/validation/languages/rust.js';
import { checkSymbols } from '../../../node/validation/symbol-check.js';
import { rustSymbols } from '../../../node/validation/symbols/rust.js';
import type { ExtractedSymbol } from '../../../node/validation/symbols/types.js';
import type { SourceFile } from '../../../node/validation/toolchain.js';
import {
  cargoFeatureSets,
  cargoFeatures,
  crateRoot,
  createRustToolchain,
  parseRustcJson,
} from '../../../node/validation/toolchains/rust.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';
import { skipNote, toolchain as tools } from '../../helpers/tools.js';

let model: TemplateRegistry;
let pack: Pack;
let defaultFiles: SourceFile[];
const toolchain = createRustToolchain();
const REAL = semconvRegistry();
const RUSTC = tools('rust');

beforeAll(async () => {
  pack = await findPack('rust');
  if (!REAL) return;
  model = toTemplateRegistry((await loadRegistry(REAL, { check: false })).registry);
  defaultFiles = (await generateWithPack(pack, model)).files;
});

const qualified = (s: ExtractedSymbol) => (s.container ? `${s.container}.${s.name}` : s.name);
const byName = (syms: ExtractedSymbol[]) => Object.fromEntries(syms.map((s) => [qualified(s), s]));

describe('Rust symbol extractor', () => {
  const syms = rustSymbols.extract([
    {
      path: 'src/attribute.rs',
      content: [
        '//! Module docs are not item docs.',
        '/// Brief of a.',
        '///',
        '/// More text.',
        'pub const A_B: &str = "a.b";',
        '/// Old.',
        '#[cfg(feature = "semconv_experimental")]',
        '#[deprecated(note = "Replaced by `a.b`.")]',
        'pub const A_OLD: &str = "a.old";',
        '/// Values of [`A_B`].',
        'pub mod a_b {',
        '    /// The GET value.',
        '    pub const GET: &str = "GET";',
        '    #[deprecated]',
        '    pub const OLD_VALUE: i64 = -3;',
        '}',
        '/// Headers. Template attribute: the full key is `a.header.<key>`.',
        'pub const A_HEADER: &str = "a.header";',
        'pub fn a_label(key: &str) -> String {',
        '    format!("a.label.{}", key)',
        '}',
        '/* pub const IN_COMMENT: &str = "no"; /* nested */ still comment */',
        'pub const RAW: &str = r#"q"uote"#;',
        'pub const ESCAPED: &str = "tab\\there \\u{e9}";',
        '#[doc = "Attribute doc."]',
        'pub(crate) static FLAG: bool = true;',
        "fn helper<'a>(x: &'a str) -> &'a str { let _c = '}'; x }",
        '#[deprecated(note = "gone")]',
        'pub mod old_enum_values { pub const X: &str = "x"; }',
        'pub mod metric { pub const M_NAME: &str = "m.name"; }',
        'pub struct Method;',
        'impl Method { pub const POST: &str = "POST"; }',
        'pub const AFTER: u32 = 0x1F;',
      ].join('\n'),
    },
    { path: 'README.md', content: 'pub const NOT_RUST: &str = "x";' },
  ]);
  const by = byName(syms);

  it('reads constants with their value, line, doc and deprecation', () => {
    expect(by.A_B).toMatchObject({
      value: 'a.b',
      kind: 'constant',
      line: 5,
      doc: 'Brief of a.\n\nMore text.',
      deprecated: false,
      container: '',
      file: 'src/attribute.rs',
    });
    expect(by.A_OLD).toMatchObject({ value: 'a.old', deprecated: true, doc: 'Old.', line: 9 });
    expect(by.RAW.value).toBe('q"uote');
    expect(by.ESCAPED.value).toBe('tab\there é');
    expect(by.FLAG).toMatchObject({ value: true, doc: 'Attribute doc.' });
    expect(by.AFTER.value).toBe(31);
    expect(by.IN_COMMENT).toBeUndefined();
    expect(by.NOT_RUST).toBeUndefined();
  });

  it('gives enum members the module named after their attribute as container', () => {
    expect(by['a_b.GET']).toMatchObject({ value: 'GET', doc: 'The GET value.', container: 'a_b', line: 13 });
    expect(by['a_b.OLD_VALUE']).toMatchObject({ value: -3, deprecated: true });
    // a deprecated module deprecates its members; `*values` modules and impl blocks are containers too
    expect(by['old_enum_values.X']).toMatchObject({ value: 'x', deprecated: true });
    expect(by['Method.POST']).toMatchObject({ value: 'POST' });
    // an organisational module is not a container
    expect(by.M_NAME).toMatchObject({ value: 'm.name', container: '' });
  });

  it('reads template attributes as the key prefix, from the doc marker or a builder fn', () => {
    expect(by.A_HEADER).toMatchObject({ kind: 'template', value: 'a.header' });
    expect(by.a_label).toMatchObject({ kind: 'template', value: 'a.label', line: 19 });
    expect(by.helper).toBeUndefined();
  });
});

describe('rustc toolchain', () => {
  it('finds the crate root and the Cargo features to turn on', () => {
    const files = [
      {
        path: 'Cargo.toml',
        content:
          '[package]\nname = "x"\n\n[features]\ndefault = []\nsemconv_experimental = [] # comment\n"quoted" = []\n[dependencies]\nserde = "1"\n',
      },
      { path: 'src/lib.rs', content: '' },
      { path: 'src/attribute.rs', content: '' },
    ];
    expect(crateRoot(files)).toBe('src/lib.rs');
    expect(cargoFeatures(files, 'src/lib.rs')).toEqual(['default', 'semconv_experimental', 'quoted']);
    expect(cargoFeatureSets(files, 'src/lib.rs')).toEqual({
      all: ['default', 'semconv_experimental', 'quoted'],
      defaults: ['default'],
    });
    const chained = [
      { path: 'Cargo.toml', content: '[features]\ndefault = ["a"]\na = ["b", "dep:x"]\nb = []\nc = []\n' },
      { path: 'src/lib.rs', content: '' },
    ];
    expect(cargoFeatureSets(chained, 'src/lib.rs')).toEqual({
      all: ['default', 'a', 'b', 'c'],
      defaults: ['default', 'a', 'b'],
    });
    expect(crateRoot([{ path: 'only.rs', content: '' }])).toBe('only.rs');
    expect(
      crateRoot([
        { path: 'a.rs', content: '' },
        { path: 'b.rs', content: '' },
      ]),
    ).toBeUndefined();
  });

  it('drops rustc summaries and keeps located errors and warnings', () => {
    const d = parseRustcJson(
      [
        '{"$message_type":"diagnostic","message":"mismatched types","code":{"code":"E0308"},"level":"error","spans":[{"file_name":"src/a.rs","line_start":3,"column_start":21,"is_primary":true}]}',
        '{"$message_type":"diagnostic","message":"unused variable: `x`","code":{"code":"unused_variables"},"level":"warning","spans":[{"file_name":"src/a.rs","line_start":5,"column_start":9,"is_primary":true}]}',
        '{"$message_type":"diagnostic","message":"1 warning emitted","code":null,"level":"warning","spans":[]}',
        '{"$message_type":"diagnostic","message":"aborting due to 1 previous error","code":null,"level":"error","spans":[]}',
        '{"$message_type":"diagnostic","message":"For more information about this error, try `rustc --explain E0308`.","code":null,"level":"failure-note","spans":[]}',
        'not json',
      ].join('\n'),
    );
    expect(d).toEqual([
      { file: 'src/a.rs', line: 3, column: 21, severity: 'error', message: 'E0308: mismatched types' },
      {
        file: 'src/a.rs',
        line: 5,
        column: 9,
        severity: 'warning',
        message: 'unused_variables: unused variable: `x`',
      },
    ]);
  });

  const broken = `fails a broken crate with a diagnostic at the file and line of the break${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(broken, async () => {
    const r = await toolchain.validate([
      { path: 'src/lib.rs', content: '//! Test crate.\npub mod attribute;\n' },
      {
        path: 'src/attribute.rs',
        content: '/// Fine.\npub const A: &str = "a";\n\npub const BROKEN: &str = 42;\n',
      },
    ]);
    expect(r.status).toBe('failed');
    expect(r.errors).toBeGreaterThan(0);
    expect(r.diagnostics[0]).toMatchObject({
      file: 'src/attribute.rs',
      line: 4,
      severity: 'error',
      message: expect.stringMatching(/^E0308/),
    });
  });

  it.skipIf(RUSTC.skip)(`counts warnings without failing${RUSTC.note}`, async () => {
    const r = await toolchain.validate([
      { path: 'src/lib.rs', content: 'pub const lower_case: &str = "x";\n' },
    ]);
    expect(r.status).toBe('passed');
    expect(r.warnings).toBe(1);
    expect(r.diagnostics[0]).toMatchObject({ file: 'src/lib.rs', line: 1, severity: 'warning' });
  });

  const gated = (attribute: string, extra: [string, string][] = []) => [
    {
      path: 'Cargo.toml',
      content: '[package]\nname = "x"\n\n[features]\ndefault = []\nsemconv_experimental = []\n',
    },
    { path: 'src/lib.rs', content: '//! Test crate.\npub mod attribute;\npub mod trace;\n' },
    { path: 'src/attribute.rs', content: attribute },
    ...extra.map(([path, content]) => ({ path, content })),
  ];
  const both = `compiles a crate without and with its non-default features, and says so${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(both, async () => {
    const ok = await toolchain.validate(
      gated('/// A.\n#[cfg(feature = "semconv_experimental")]\npub const A: &str = "a";\n', [
        ['src/trace.rs', '#[cfg(feature = "semconv_experimental")]\npub use crate::attribute::A;\n'],
      ]),
    );
    expect(ok).toMatchObject({ status: 'passed', errors: 0, warnings: 0 });
    expect(ok.reason).toBe('compiled with the default features and with --features semconv_experimental');
    // the re-export of a gated constant without the gate breaks the build without the feature
    const ungated = await toolchain.validate(
      gated('/// A.\n#[cfg(feature = "semconv_experimental")]\npub const A: &str = "a";\n', [
        ['src/trace.rs', 'pub use crate::attribute::A;\n'],
      ]),
    );
    expect(ungated.status).toBe('failed');
    expect(ungated.diagnostics[0]).toMatchObject({ file: 'src/trace.rs', line: 1, severity: 'error' });
    expect(ungated.diagnostics[0].message).not.toMatch(/with --features/);
    // an error only the feature brings in is found too, and says under which features
    const broken = await toolchain.validate(
      gated('/// A.\n#[cfg(feature = "semconv_experimental")]\npub const A: &str = 42;\n', [
        ['src/trace.rs', ''],
      ]),
    );
    expect(broken.status).toBe('failed');
    expect(broken.diagnostics[0]).toMatchObject({ file: 'src/attribute.rs', line: 3, severity: 'error' });
    expect(broken.diagnostics[0].message).toMatch(/\(with --features semconv_experimental\)$/);
  });

  it('reports a missing compiler as not validated, never as a pass', async () => {
    const r = await createRustToolchain({ command: 'weavergen-no-such-rustc' }).validate([
      { path: 'src/lib.rs', content: '' },
    ]);
    expect(r).toMatchObject({
      status: 'not_validated',
      reason: 'not validated: weavergen-no-such-rustc not found (Debian package: rustc)',
      errors: 0,
    });
    expect(createRustToolchain().tool).toBe('rustc');
  });

  it('fails output without a crate root', async () => {
    const r = await toolchain.validate([{ path: 'README.md', content: '' }]);
    expect(r).toMatchObject({ status: 'failed', errors: 1 });
  });

  it.skipIf(RUSTC.skip)(`turns a timeout into a failure with a reason${RUSTC.note}`, async () => {
    const example = toTemplateRegistry((await loadRegistry(MINI_REGISTRY, { check: false })).registry);
    const r = await toolchain.validate((await generateWithPack(pack, example)).files, { timeoutMs: 1 });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/timed out/);
  });
});

describe.skipIf(!REAL)(`rust-semconv pack on the real registry${skipNote(!REAL && SEMCONV_MISSING)}`, () => {
  it.skipIf(RUSTC.skip)(`compiles the default output with no error and no warning${RUSTC.note}`, async () => {
    expect(defaultFiles.map((f) => f.path).sort()).toEqual([
      'Cargo.toml',
      'src/attribute.rs',
      'src/event.rs',
      'src/lib.rs',
      'src/metric.rs',
      'src/resource.rs',
      'src/trace.rs',
    ]);
    const r = await toolchain.validate(defaultFiles);
    expect(r.diagnostics.slice(0, 3)).toEqual([]);
    expect(r).toMatchObject({ status: 'passed', errors: 0, warnings: 0 });
    expect(r.reason).toBe('compiled with the default features and with --features semconv_experimental');
  });

  const combinations = `compiles every param combination with no error and no warning${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(combinations, async () => {
    const all = paramCombinations(pack);
    expect(all.length).toBe(24);
    for (const params of all) {
      const gen = await generateWithPack(pack, model, params);
      const r = await toolchain.validate(gen.files);
      expect(r.diagnostics.slice(0, 3), JSON.stringify(params)).toEqual([]);
      expect(r.status, JSON.stringify(params)).toBe('passed');
    }
  });

  it('emits every attribute, member, metric and event with its exact value and the official names', () => {
    const syms = rustSymbols.extract(defaultFiles);
    const values = new Set(syms.map((s) => String(s.value)));
    const names = new Map(syms.map((s) => [qualified(s), s]));
    // keys dropped by unique_names share their constant name with a kept key
    const kept = (key: string, all: string[]) =>
      values.has(key) ||
      all.some(
        (k) =>
          k !== key && values.has(k) && rustSupport.naming.attribute(k) === rustSupport.naming.attribute(key),
      );
    const keys = model.attributes.map((a) => a.key);
    for (const k of keys) expect(kept(k, keys), k).toBe(true);
    const metrics = model.metrics.map((m) => m.name);
    for (const m of metrics) expect(kept(m, metrics), m).toBe(true);
    for (const e of model.events) expect(values.has(e.name), e.name).toBe(true);

    expect(names.get('HTTP_REQUEST_METHOD')).toMatchObject({
      value: 'http.request.method',
      file: 'src/attribute.rs',
      doc: expect.stringMatching(/^HTTP request method\./),
    });
    expect(names.get('HTTP_SERVER_REQUEST_DURATION')).toMatchObject({
      value: 'http.server.request.duration',
      file: 'src/metric.rs',
    });
    expect(names.get('http_request_method.GET')).toMatchObject({ value: 'GET' });
    expect(names.get('rpc_grpc_status_code.UNAVAILABLE')).toMatchObject({ value: 14 });
    expect(names.get('HTTP_REQUEST_HEADER')).toMatchObject({
      kind: 'template',
      value: 'http.request.header',
    });
    expect(names.get('APP_CRASH')).toMatchObject({ value: 'app.crash', file: 'src/event.rs' });
    expect(names.get('SCHEMA_URL')?.value).toBe(model.schema_url);
    expect(rustSupport.naming.attribute('http.request.method')).toBe('HTTP_REQUEST_METHOD');
    expect(rustSupport.naming.metric('http.server.request.duration')).toBe('HTTP_SERVER_REQUEST_DURATION');
    expect(rustSupport.naming.enumMember('http.request.method', 'get')).toBe('http_request_method.GET');

    const report = checkSymbols(expectedSymbols(model), syms, rustSupport.naming, {
      known: registryValues(model),
    });
    expect(report.found).toBe(report.expected);
    expect(report.namedOfficially).toBe(report.found);
    expect(report.deprecatedMarked).toBe(report.deprecatedExpected);
    expect(report.falselyDeprecated).toBe(0);
    // nothing invented (units, descriptions, the schema URL are registry values), nothing wrong
    expect(report.defects.slice(0, 5)).toEqual([]);
    expect(report.correct).toBe(true);
    expect(report.documented).toBe(report.documentable);
  });

  it('marks deprecated items with #[deprecated] and gates experimental ones unless asked not to', async () => {
    const attr = defaultFiles.find((f) => f.path === 'src/attribute.rs')!.content;
    expect(attr).toMatch(
      /#\[cfg\(feature = "semconv_experimental"\)\]\n#\[deprecated\(note = "Replaced by `android\.app\.state`\."\)\]\npub const ANDROID_STATE: &str = "android\.state";/,
    );
    expect(attr).toMatch(/#\[cfg\(feature = "semconv_experimental"\)\]\npub const ANDROID_OS_API_LEVEL/);
    expect(attr).toMatch(/\/\/\/ HTTP request method\.\n(?:\/\/\/.*\n)*pub const HTTP_REQUEST_METHOD:/);
    expect(defaultFiles.find((f) => f.path === 'Cargo.toml')!.content).toMatch(
      /\[features\]\ndefault = \[\]\n(?:#.*\n)*semconv_experimental = \[\]/,
    );
    const included = (await generateWithPack(pack, model, { experimental: 'include' })).files;
    for (const f of included.filter((f) => f.path.endsWith('.rs')))
      expect(f.content, f.path).not.toContain('#[cfg(feature = "semconv_experimental")]');
  });
});
