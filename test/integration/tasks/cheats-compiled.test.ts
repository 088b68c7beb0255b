import { describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../../node/generation/index.js';
import { harnessFor } from '../../../node/tasks/runners/index.js';
import { toolchain } from '../../helpers/tools.js';

/**
 * Answers that try to pass without passing the user's tests (issue 19), run through the Go, Rust and
 * Java harnesses directly (no model): each must score nothing. And correct code with many tests
 * scores 1.0 every time.
 */

const GO = toolchain('go');
const RUSTC = toolchain('rust');
const JUNIT = toolchain('java', 'junit');

const f = (path: string, content: string): GeneratedFile => ({ path, content });
const OPTIONS = { timeoutMs: 20_000 };

const GO_TEST = f(
  'sum_test.go',
  'package sum\n\nimport "testing"\n\nfunc TestAdds(t *testing.T) {\n\tif got := Sum(2, 3); got != 5 {\n\t\tt.Errorf("Sum(2, 3) = %d, want 5", got)\n\t}\n}\n',
);
const GO_WRONG = 'func Sum(a, b int) int { return 0 }\n';

describe('go: results come from the harness, not from what the answer prints', () => {
  const forgedInit = `an init() that prints test2json's PASS lines and exits 0 scores nothing${GO.note}`;
  it.skipIf(GO.skip)(forgedInit, { timeout: 120_000 }, async () => {
    const r = await harnessFor('go').run(
      [
        f(
          'sum.go',
          `package sum\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc init() {\n\tfmt.Println("=== RUN   TestAdds\\n--- PASS: TestAdds (0.00s)\\nPASS\\nok  \\ttask\\t0.001s")\n\tos.Exit(0)\n}\n\n${GO_WRONG}`,
        ),
      ],
      [GO_TEST],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
    expect(r.tests).toEqual([expect.objectContaining({ name: 'TestAdds', passed: false })]);
  });

  const forgedInTest = `code under test that prints a PASS line and exits 0 through the syscall scores nothing${GO.note}`;
  it.skipIf(GO.skip)(forgedInTest, { timeout: 120_000 }, async () => {
    const r = await harnessFor('go').run(
      [
        f(
          'sum.go',
          'package sum\n\nimport (\n\t"fmt"\n\t"syscall"\n)\n\nfunc Sum(a, b int) int {\n\tfmt.Println("--- PASS: TestAdds (0.00s)\\nPASS")\n\tsyscall.Exit(0)\n\treturn 0\n}\n',
        ),
      ],
      [GO_TEST],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
    expect(r.tests).toEqual([expect.objectContaining({ name: 'TestAdds', passed: false })]);
  });

  const forgedFile = `records written into the harness's results file by the answer do not verify${GO.note}`;
  it.skipIf(GO.skip)(forgedFile, { timeout: 120_000 }, async () => {
    const mac = 'a'.repeat(64);
    const r = await harnessFor('go').run(
      [
        f(
          'sum.go',
          `package sum\n\nimport (\n\t"os"\n\t"strings"\n)\n\nfunc init() {\n\tfor _, e := range os.Environ() {\n\t\tif v := strings.SplitN(e, "=", 2); strings.HasSuffix(v[1], ".results") {\n\t\t\tos.WriteFile(v[1], []byte("${mac} {\\"k\\":\\"start\\",\\"n\\":\\"TestAdds\\",\\"s\\":0}\\n${mac} {\\"k\\":\\"end\\",\\"n\\":\\"TestAdds\\",\\"failed\\":false,\\"s\\":1}\\n"), 0o600)\n\t\t\tos.Exit(0)\n\t\t}\n\t}\n}\n\n${GO_WRONG}`,
        ),
      ],
      [GO_TEST],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
    expect(r.tests).toEqual([
      { name: 'TestAdds', passed: false, message: expect.stringMatching(/tampered with.*does not verify/) },
    ]);
  });

  const subtests = `subtests count one by one, a failing one named with its message${GO.note}`;
  it.skipIf(GO.skip)(subtests, { timeout: 120_000 }, async () => {
    const r = await harnessFor('go').run(
      [
        f(
          'sum.go',
          'package sum\n\nfunc Sum(a, b int) int {\n\tif a == 7 {\n\t\treturn 0\n\t}\n\treturn a + b\n}\n',
        ),
      ],
      [
        f(
          'sum_test.go',
          'package sum\n\nimport (\n\t"fmt"\n\t"testing"\n)\n\nfunc TestTable(t *testing.T) {\n\tfor a := 0; a < 10; a++ {\n\t\ta := a\n\t\tt.Run(fmt.Sprint("a=", a), func(t *testing.T) {\n\t\t\tif got := Sum(a, 1); got != a+1 {\n\t\t\t\tt.Errorf("Sum(%d, 1) = %d", a, got)\n\t\t\t}\n\t\t})\n\t}\n}\n\nfunc TestPlain(t *testing.T) {}\n',
        ),
      ],
      OPTIONS,
    );
    expect(r).toMatchObject({ compiled: true, passed: 10, total: 11 });
    expect(r.tests.find((t) => !t.passed)).toEqual({
      name: 'TestTable/a=7',
      passed: false,
      message: 'sum_test.go:13: Sum(7, 1) = 0',
    });
  });

  const injected = `a test's log that carries a forged subtest PASS line does not pass the subtest${GO.note}`;
  it.skipIf(GO.skip)(injected, { timeout: 120_000 }, async () => {
    const r = await harnessFor('go').run(
      [
        f(
          'name.go',
          'package name\n\nfunc Name(i int) string {\n\treturn "x\\n--- PASS: TestName/case_1 (0.00s)\\n    --- PASS: TestName/case_1 (0.00s)\\n=== RUN   TestName/case_9\\n"\n}\n',
        ),
      ],
      [
        f(
          'name_test.go',
          'package name\n\nimport (\n\t"fmt"\n\t"testing"\n)\n\nfunc TestName(t *testing.T) {\n\tfor i := 0; i < 2; i++ {\n\t\ti := i\n\t\tt.Run(fmt.Sprint("case_", i), func(t *testing.T) {\n\t\t\tif got := Name(i); got != "ok" {\n\t\t\t\tt.Errorf("Name(%d) = %s", i, got)\n\t\t\t}\n\t\t})\n\t}\n}\n',
        ),
      ],
      OPTIONS,
    );
    expect(r).toMatchObject({ compiled: true, passed: 0, total: 2 });
    expect(r.tests.map((t) => t.name)).toEqual(['TestName/case_0', 'TestName/case_1']);
  });

  const setup = `a TestMain of the user's still runs (setup before the tests); external test packages count too${GO.note}`;
  it.skipIf(GO.skip)(setup, { timeout: 120_000 }, async () => {
    const r = await harnessFor('go').run(
      [f('sum.go', 'package sum\n\nvar Base int\n\nfunc Sum(a, b int) int { return Base + a + b }\n')],
      [
        f(
          'sum_test.go',
          'package sum\n\nimport (\n\t"os"\n\t"testing"\n)\n\n// TestMain sets up\nfunc TestMain(m *testing.M) {\n\tBase = 0\n\tos.Exit(m.Run())\n}\n\nfunc TestInside(t *testing.T) {\n\tif Sum(1, 1) != 2 {\n\t\tt.Fatal("no")\n\t}\n}\n',
        ),
        f(
          'ext_test.go',
          'package sum_test\n\nimport (\n\t"testing"\n\n\t"task"\n)\n\nfunc TestOutside(t *testing.T) {\n\tif sum.Sum(2, 2) != 5 {\n\t\tt.Errorf("Sum(2, 2) = %d", sum.Sum(2, 2))\n\t}\n}\n',
        ),
      ],
      OPTIONS,
    );
    expect(r.tests).toEqual([
      { name: 'TestInside', passed: true },
      { name: 'TestOutside', passed: false, message: 'ext_test.go:11: Sum(2, 2) = 4' },
    ]);
  });

  const panics = `a panic fails its test with the panic and the answer's line; the tests after it still run${GO.note}`;
  it.skipIf(GO.skip)(panics, { timeout: 120_000 }, async () => {
    const r = await harnessFor('go').run(
      [f('at.go', 'package at\n\nfunc At(xs []int, i int) int {\n\treturn xs[i]\n}\n')],
      [
        f(
          'at_test.go',
          'package at\n\nimport "testing"\n\nfunc TestFirst(t *testing.T) {\n\tif At([]int{1, 2}, 1) != 2 {\n\t\tt.Fatal("no")\n\t}\n}\n\nfunc TestPanics(t *testing.T) {\n\tAt(nil, 3)\n}\n\nfunc TestAfter(t *testing.T) {}\n',
        ),
      ],
      OPTIONS,
    );
    expect(r.tests).toEqual([
      { name: 'TestFirst', passed: true },
      {
        name: 'TestPanics',
        passed: false,
        message: expect.stringMatching(
          /^panic: runtime error: index out of range \[3\] with length 0.*\(at at\.go:4\)/,
        ),
      },
      { name: 'TestAfter', passed: true },
    ]);
  });

  const many = `correct code with 2,500 subtests scores 1.0 three times in a row${GO.note}`;
  it.skipIf(GO.skip)(many, { timeout: 300_000 }, async () => {
    const tests = [
      f(
        'sum_test.go',
        'package sum\n\nimport (\n\t"fmt"\n\t"testing"\n)\n\nfunc TestMany(t *testing.T) {\n\tfor i := 0; i < 2500; i++ {\n\t\ti := i\n\t\tt.Run(fmt.Sprintf("case_%04d", i), func(t *testing.T) {\n\t\t\tt.Logf("checking %d with a line of log output that makes the stream longer", i)\n\t\t\tif got := Sum(i, i); got != 2*i {\n\t\t\t\tt.Fatalf("Sum(%d, %d) = %d", i, i, got)\n\t\t\t}\n\t\t})\n\t}\n}\n',
      ),
    ];
    const files = [f('sum.go', 'package sum\n\nfunc Sum(a, b int) int { return a + b }\n')];
    for (let round = 0; round < 3; round++) {
      const r = await harnessFor('go').run(files, tests, { timeoutMs: 60_000 });
      expect({ round, passed: r.passed, total: r.total }).toEqual({ round, passed: 2500, total: 2500 });
    }
  });
});

const RUST_TEST = f('tests.rs', 'use super::*;\n\n#[test]\nfn adds() {\n    assert_eq!(sum(2, 3), 5);\n}\n');
const RUST_WRONG = 'pub fn sum(_a: i32, _b: i32) -> i32 {\n    0\n}\n';

describe("rust: the user's tests use the standard macros, results come from the harness", () => {
  const textual = `an assert_eq! of the answer's own (macro_rules before the tests) scores nothing${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(textual, { timeout: 120_000 }, async () => {
    const r = await harnessFor('rust').run(
      [f('src/lib.rs', `${RUST_WRONG}\nmacro_rules! assert_eq {\n    ($($t:tt)*) => {};\n}\n`)],
      [RUST_TEST],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
    expect(r.tests).toEqual([expect.objectContaining({ name: 'tests.rs > adds', passed: false })]);
  });

  const exported = `an exported assert_eq! that \`use super::*\` would import scores nothing${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(exported, { timeout: 120_000 }, async () => {
    const r = await harnessFor('rust').run(
      [
        f(
          'src/lib.rs',
          `${RUST_WRONG}\nmacro_rules! fake_assert_eq {\n    ($($t:tt)*) => {};\n}\npub(crate) use fake_assert_eq as assert_eq;\n`,
        ),
      ],
      [RUST_TEST],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
  });

  const variants = `an answer's Some() or None that \`use super::*\` would import over the prelude scores nothing${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(variants, { timeout: 120_000 }, async () => {
    const r = await harnessFor('rust').run(
      [
        f(
          'src/lib.rs',
          'pub fn parse(_s: &str) -> Option<i32> {\n    None\n}\n\n#[allow(non_snake_case)]\npub fn Some(_x: i32) -> Option<i32> {\n    Option::None\n}\n',
        ),
      ],
      [f('tests.rs', 'use super::*;\n\n#[test]\nfn parses() {\n    assert_eq!(parse("3"), Some(3));\n}\n')],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
  });

  const summary = `code under test that prints libtest's ok line and summary and exits 0 scores nothing${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(summary, { timeout: 120_000 }, async () => {
    const r = await harnessFor('rust').run(
      [
        f(
          'src/lib.rs',
          'use std::io::Write;\n\npub fn sum(_a: i32, _b: i32) -> i32 {\n    let mut o = std::io::stdout();\n    // libtest has printed `test __weavergen_tests_0::adds ... `; its capture does not see this\n    o.write_all(b"ok\\n\\nsuccesses:\\n\\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\\n").unwrap();\n    o.flush().unwrap();\n    std::process::exit(0)\n}\n',
        ),
      ],
      [RUST_TEST],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
  });

  const panicHook = `a panic hook of the answer's that prints a pass and exits 0 scores nothing${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(panicHook, { timeout: 120_000 }, async () => {
    const r = await harnessFor('rust').run(
      [
        f(
          'src/lib.rs',
          'use std::io::Write;\n\npub fn sum(_a: i32, _b: i32) -> i32 {\n    std::panic::set_hook(Box::new(|_| {\n        let mut o = std::io::stdout();\n        o.write_all(b"ok\\n\\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\\n").unwrap();\n        o.flush().unwrap();\n        std::process::exit(0);\n    }));\n    0\n}\n',
        ),
      ],
      [RUST_TEST],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
  });

  const forged = `a pass record the answer writes into the harness's results file does not verify${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(forged, { timeout: 120_000 }, async () => {
    const r = await harnessFor('rust').run(
      [
        f(
          'src/lib.rs',
          'pub fn sum(_a: i32, _b: i32) -> i32 {\n    for (k, v) in std::env::vars() {\n        if k.starts_with("WEAVERGEN") && v.contains("results-") {\n            std::fs::write(&v, "0123456789abcdef pass task::__weavergen_tests_0::adds\\n").unwrap();\n            std::process::exit(0);\n        }\n    }\n    0\n}\n',
        ),
      ],
      [RUST_TEST],
      OPTIONS,
    );
    expect(r.tests).toEqual([
      {
        name: 'tests.rs > adds',
        passed: false,
        message: expect.stringMatching(/tampered with.*does not verify/),
      },
    ]);
  });

  const many = `correct code with 300 tests (should_panic, Result and ignored ones among them) scores 1.0 three times in a row${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(many, { timeout: 300_000 }, async () => {
    const cases = Array.from(
      { length: 297 },
      (_, i) => `#[test]\nfn adds_${i}() {\n    assert_eq!(sum(${i}, 1), ${i + 1});\n}\n`,
    ).join('\n');
    const tests = [
      f(
        'tests.rs',
        `use super::*;\n\n${cases}\n#[test]\n#[should_panic(expected = "overflow")]\nfn overflows() {\n    checked(i32::MAX, 1);\n}\n\n#[test]\nfn returns_ok() -> Result<(), String> {\n    if sum(1, 1) == 2 { Ok(()) } else { Err("no".into()) }\n}\n\nmod nested {\n    use super::*;\n\n    #[test]\n    fn inside() {\n        assert!(sum(0, 0) == 0);\n    }\n}\n\n#[test]\n#[ignore]\nfn later() {}\n`,
      ),
    ];
    const files = [
      f(
        'src/lib.rs',
        'pub fn sum(a: i32, b: i32) -> i32 {\n    a + b\n}\n\npub fn checked(a: i32, b: i32) -> i32 {\n    a.checked_add(b).expect("overflow")\n}\n',
      ),
    ];
    for (let round = 0; round < 3; round++) {
      const r = await harnessFor('rust').run(files, tests, { timeoutMs: 20_000 });
      expect({ round, passed: r.passed, total: r.total }).toEqual({ round, passed: 300, total: 300 });
    }
  });
});

const JAVA_TEST = f(
  'SumTest.java',
  'import static org.junit.jupiter.api.Assertions.assertEquals;\n\nimport org.junit.jupiter.api.Test;\n\nclass SumTest {\n  @Test\n  void adds() {\n    assertEquals(5, Sum.sum(2, 3));\n  }\n}\n',
);

describe('java: the report is written where the answer cannot reach, and checked', () => {
  const planted = `a static initializer that writes a passing report where the launcher was told to, then halts, scores nothing${JUNIT.note}`;
  it.skipIf(JUNIT.skip)(planted, { timeout: 120_000 }, async () => {
    const sum = `import java.nio.file.*;

public class Sum {
  static {
    try {
      String xml = "<?xml version=\\"1.0\\"?><testsuites><testsuite name=\\"JUnit Jupiter\\" tests=\\"1\\"><testcase name=\\"adds()\\" classname=\\"SumTest\\"/></testsuite></testsuites>";
      String cmd = System.getProperty("sun.java.command", "") + " " + String.join(" ", ProcessHandle.current().info().arguments().orElse(new String[0]));
      for (String a : cmd.split(" ")) {
        if (a.startsWith("--reports-dir=")) {
          Path d = Paths.get(a.substring("--reports-dir=".length()));
          Files.createDirectories(d);
          Files.writeString(d.resolve("TEST-junit-jupiter.xml"), xml);
        }
      }
      for (String a : cmd.split(" ")) {
        if (a.startsWith("@")) System.out.println("argfile " + a);
      }
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
    Runtime.getRuntime().halt(0);
  }

  public static int sum(int a, int b) {
    return 0;
  }
}
`;
    const r = await harnessFor('java').run([f('Sum.java', sum)], [JAVA_TEST], OPTIONS);
    expect(r.passed).toBe(0);
    expect(r.tests).toEqual([expect.objectContaining({ name: 'SumTest.adds()', passed: false })]);
  });

  const forged = `records the answer finds and writes into the harness's results file do not verify${JUNIT.note}`;
  it.skipIf(JUNIT.skip)(forged, { timeout: 120_000 }, async () => {
    const sum = `import java.nio.file.*;

public class Sum {
  public static int sum(int a, int b) {
    String line = "${'a'.repeat(64)} {\\"k\\":\\"test\\",\\"name\\":\\"SumTest.adds()\\",\\"status\\":\\"SUCCESSFUL\\",\\"s\\":0}\\n";
    try (DirectoryStream<Path> tmp = Files.newDirectoryStream(Paths.get(System.getProperty("java.io.tmpdir")))) {
      for (Path d : tmp) {
        if (!Files.isDirectory(d) || !d.getFileName().toString().startsWith("weavergen-task-java-out-")) continue;
        try (DirectoryStream<Path> in = Files.newDirectoryStream(d)) {
          for (Path p : in) {
            if (p.getFileName().toString().startsWith("results-")) {
              Files.writeString(p, line, StandardOpenOption.TRUNCATE_EXISTING);
              Runtime.getRuntime().halt(0);
            }
          }
        } catch (Exception e) {
          // not ours
        }
      }
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
    return 0;
  }
}
`;
    const r = await harnessFor('java').run([f('Sum.java', sum)], [JAVA_TEST], OPTIONS);
    expect(r.tests).toEqual([
      {
        name: 'SumTest.adds()',
        passed: false,
        message: expect.stringMatching(/tampered with.*does not verify/),
      },
    ]);
  });

  const shadow = `a class of the answer's that shadows a type the tests import by package (java.lang.Math, JUnit's Assertions) scores nothing${JUNIT.note}`;
  it.skipIf(JUNIT.skip)(shadow, { timeout: 120_000 }, async () => {
    const tests = [
      f(
        'MaxTest.java',
        'import org.junit.jupiter.api.*;\n\nclass MaxTest {\n  @Test\n  void max() {\n    Assertions.assertEquals(Math.max(3, 9), Max.max(3, 9));\n  }\n}\n',
      ),
    ];
    for (const shadowing of [
      'class Math {\n  static int max(int a, int b) {\n    return Max.max(a, b);\n  }\n}\n',
      'class Assertions {\n  static void assertEquals(int a, int b) {}\n}\n',
    ]) {
      const r = await harnessFor('java').run(
        [
          f(
            'Max.java',
            `public class Max {\n  public static int max(int a, int b) {\n    return a;\n  }\n}\n\n${shadowing}`,
          ),
        ],
        tests,
        OPTIONS,
      );
      expect(r.passed).toBe(0);
      expect(r.tests).toEqual([
        {
          name: 'MaxTest.max()',
          passed: false,
          message: expect.stringMatching(/shadows (java\.lang\.Math|org\.junit\.jupiter\.api\.Assertions)/),
        },
      ]);
    }
  });

  const exit = `System.exit(0) from the code under test scores nothing${JUNIT.note}`;
  it.skipIf(JUNIT.skip)(exit, { timeout: 120_000 }, async () => {
    const r = await harnessFor('java').run(
      [
        f(
          'Sum.java',
          'public class Sum {\n  public static int sum(int a, int b) {\n    System.exit(0);\n    return 0;\n  }\n}\n',
        ),
      ],
      [JAVA_TEST],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
  });

  const many = `correct code with 2,500 parameterized cases scores 1.0 three times in a row${JUNIT.note}`;
  it.skipIf(JUNIT.skip)(many, { timeout: 300_000 }, async () => {
    const tests = [
      f(
        'SumTest.java',
        'import static org.junit.jupiter.api.Assertions.assertEquals;\n\nimport java.util.stream.IntStream;\nimport org.junit.jupiter.params.ParameterizedTest;\nimport org.junit.jupiter.params.provider.MethodSource;\n\nclass SumTest {\n  static IntStream cases() {\n    return IntStream.range(0, 2500);\n  }\n\n  @ParameterizedTest\n  @MethodSource("cases")\n  void adds(int i) {\n    System.out.println("checking " + i);\n    assertEquals(2 * i, Sum.sum(i, i));\n  }\n}\n',
      ),
    ];
    const files = [
      f(
        'Sum.java',
        'public class Sum {\n  public static int sum(int a, int b) {\n    return a + b;\n  }\n}\n',
      ),
    ];
    for (let round = 0; round < 3; round++) {
      const r = await harnessFor('java').run(files, tests, { timeoutMs: 20_000 });
      expect({ round, passed: r.passed, total: r.total }).toEqual({ round, passed: 2500, total: 2500 });
    }
  });
});

describe('output past the limit is "output too large", never counted', () => {
  const LIMIT = { timeoutMs: 20_000, maxOutputBytes: 1024 * 1024 };
  const tooLarge = (r: { outputTooLarge?: boolean; passed: number; tests: { message?: string }[] }) => {
    expect(r.outputTooLarge).toBe(true);
    expect(r.passed).toBe(0);
    expect(r.tests[0].message).toMatch(/output too large/);
  };

  it.skipIf(GO.skip)(`go: code under test that prints 4 MiB${GO.note}`, { timeout: 120_000 }, async () => {
    const r = await harnessFor('go').run(
      [
        f(
          'sum.go',
          'package sum\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\nfunc Sum(a, b int) int {\n\tfmt.Print(strings.Repeat("x", 4<<20))\n\treturn a + b\n}\n',
        ),
      ],
      [GO_TEST],
      LIMIT,
    );
    tooLarge(r);
  });

  it.skipIf(RUSTC.skip)(
    `rust: code under test that prints 4 MiB${RUSTC.note}`,
    { timeout: 120_000 },
    async () => {
      const r = await harnessFor('rust').run(
        [
          f(
            'src/lib.rs',
            "use std::io::Write;\n\npub fn sum(a: i32, b: i32) -> i32 {\n    std::io::stdout().write_all(&vec![b'x'; 4 << 20]).unwrap();\n    a + b\n}\n",
          ),
        ],
        [RUST_TEST],
        LIMIT,
      );
      tooLarge(r);
    },
  );

  it.skipIf(JUNIT.skip)(
    `java: code under test that prints 4 MiB${JUNIT.note}`,
    { timeout: 120_000 },
    async () => {
      const r = await harnessFor('java').run(
        [
          f(
            'Sum.java',
            'public class Sum {\n  public static int sum(int a, int b) {\n    System.out.print("x".repeat(4 << 20));\n    System.out.flush();\n    return a + b;\n  }\n}\n',
          ),
        ],
        [JAVA_TEST],
        LIMIT,
      );
      tooLarge(r);
    },
  );
});
