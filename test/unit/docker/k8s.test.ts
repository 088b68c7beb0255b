import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { isLoopbackHost } from '../../../node/api/auth.js';
import { createApi, openApiDocument } from '../../../node/api/index.js';
import { CONFIG_FILE, ENV_NAMES, loadConfig, NodeConfigSchema } from '../../../node/config.js';
import { parseConfigText } from '../../../node/config-file.js';
import { resolveSettings } from '../../../node/network/settings.js';
import type { WeaverNode } from '../../../node/node.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const K8S = join(ROOT, 'docker/k8s');
const BIN = join(ROOT, 'dist/cli/bin.js');
/** what $(POD_IP) stands for in the checks below */
const POD_IP = '10.244.1.7';

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field
type Manifest = any;

let manifests: { file: string; doc: Manifest }[];
let sts: Manifest;
let container: Manifest;
/** `node start`'s options as its --help lists them: flag -> takes a value */
let startFlags: Map<string, boolean>;

beforeAll(async () => {
  manifests = [];
  for (const file of (await readdir(K8S)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const d of parseAllDocuments(await readFile(join(K8S, file), 'utf8'))) {
      expect(d.errors, file).toEqual([]);
      if (d.contents !== null) manifests.push({ file, doc: d.toJS() });
    }
  }
  sts = manifests.find((m) => m.doc.kind === 'StatefulSet')?.doc;
  container = sts?.spec.template.spec.containers.find((c: Manifest) => c.name === 'node');
  expect(existsSync(BIN), 'build first: npx tsc -p tsconfig.json').toBe(true);
  const { stdout } = await run(process.execPath, [BIN, 'node', 'start', '--help']);
  startFlags = new Map(
    [...stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z][\w-]*)( <[^>]+>| \[[^\]]+\])?/gm)].map((m) => [
      m[1],
      !!m[2],
    ]),
  );
  expect(startFlags.get('--api-port')).toBe(true);
  expect(startFlags.get('--no-network')).toBe(false);
});

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'weavergen-k8s-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** the container's env as name -> value, $(VAR) references expanded as the kubelet does */
function envOf(c: Manifest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') out[e.name] = POD_IP;
    else if (typeof e.value === 'string') out[e.name] = expand(e.value, out);
  }
  return out;
}

/** $(NAME) of an env var defined before, as Kubernetes expands it in args and env values */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string) => {
    expect(env[name], `${all} names no env var defined before it`).toBeDefined();
    return env[name];
  });
}

/** `node start`'s flags in the args, checked against its --help: flag -> value (true for a switch) */
function startArgs(args: string[], env: Record<string, string>): Map<string, string | true> {
  expect(args.slice(0, 2)).toEqual(['node', 'start']);
  const given = new Map<string, string | true>();
  for (let i = 2; i < args.length; i++) {
    const flag = String(args[i]);
    expect(startFlags.has(flag), `${flag} is not an option of \`weavergen node start\``).toBe(true);
    expect(given.has(flag), `${flag} given twice`).toBe(false);
    if (startFlags.get(flag)) {
      const value = args[++i];
      expect(typeof value === 'string' && !value.startsWith('--'), `${flag} needs a value`).toBe(true);
      given.set(flag, expand(value, env));
    } else given.set(flag, true);
  }
  return given;
}

const at = (o: unknown, key: string) =>
  key.split('.').reduce((v: unknown, k) => (v as Record<string, unknown> | undefined)?.[k], o);

const csv = (v: string | true | undefined) => (typeof v === 'string' ? v.split(',') : undefined);

describe('docker/k8s: the manifests parse and hang together', () => {
  it('every file parses as YAML; the kustomization lists every manifest', async () => {
    const kinds = manifests.map((m) => m.doc.kind).sort();
    expect(kinds).toEqual(['ConfigMap', 'Kustomization', 'Service', 'Service', 'StatefulSet']);
    const kustomization = manifests.find((m) => m.doc.kind === 'Kustomization')!;
    const files = [...new Set(manifests.filter((m) => m.doc.kind !== 'Kustomization').map((m) => m.file))];
    expect([...kustomization.doc.resources].sort()).toEqual(files.sort());
    // every image the kustomization rewrites is one a container uses
    for (const img of kustomization.doc.images ?? []) expect(container.image.split(':')[0]).toBe(img.name);
  });

  it('the Services select the pods and target ports the container names', () => {
    const labels = sts.spec.template.metadata.labels;
    expect(sts.spec.selector.matchLabels).toEqual(labels);
    const named = new Map(container.ports.map((p: Manifest) => [p.name, p.containerPort]));
    const services = manifests.filter((m) => m.doc.kind === 'Service').map((m) => m.doc);
    for (const s of services) {
      expect(labels).toMatchObject(s.spec.selector);
      for (const p of s.spec.ports)
        expect(named.has(p.targetPort), `${s.metadata.name} ${p.name}`).toBe(true);
    }
    expect(services.map((s) => s.metadata.name)).toContain(sts.spec.serviceName);
    expect(services.find((s) => s.metadata.name === sts.spec.serviceName).spec.clusterIP).toBe('None');
  });
});

describe("docker/k8s: the container runs the node's real command, flags and env", () => {
  it('runs the bin the package builds, in the folder the image copies it to, with node flags node accepts', async () => {
    const [exe, ...rest] = container.command;
    expect(exe).toBe('node');
    const script = rest.at(-1);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const dockerfile = await readFile(join(ROOT, 'docker/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^COPY --from=build \/app \/app$/m);
    expect(posix.relative('/app', script)).toBe(pkg.bin.weavergen);
    const nodeFlags = rest.slice(0, -1);
    await run(process.execPath, [...nodeFlags, '-e', '0']);
  });

  it('passes only options `weavergen node start --help` lists, each with its value', () => {
    const flags = startArgs(container.args, envOf(container));
    expect(flags.size).toBeGreaterThan(0);
  });

  it('sets only env vars the node reads (each changes its setting), or ones used as $(NAME) in the args', async () => {
    const readByNode = new Map(Object.entries(ENV_NAMES).map(([key, name]) => [name, key]));
    const env = envOf(container);
    const references = JSON.stringify([container.args, container.env]);
    for (const e of container.env) {
      const key = readByNode.get(e.name);
      if (key === undefined) {
        // only from the downward API, for the args and other values (e.g. --announce /ip4/$(POD_IP)/...)
        expect(
          e.valueFrom?.fieldRef,
          `${e.name} is read neither by the node nor in the manifest`,
        ).toBeDefined();
        expect(references, `${e.name} is never used as $(${e.name})`).toContain(`$(${e.name})`);
        continue;
      }
      // the node reads it: set alone, it sets its setting to that value
      const config = await loadConfig(key === 'home' ? {} : { home: tmp }, { [e.name]: env[e.name] });
      const value = at(config, key);
      const expected = key === 'home' ? resolve(env[e.name]) : env[e.name];
      expect(Array.isArray(value) ? value.join(',') : String(value), e.name).toBe(
        typeof value === 'boolean' ? String(/^(1|on|true|yes)$/i.test(expected)) : expected,
      );
    }
  });

  it('mounts the persistent volume at the home, and the ConfigMap as <home>/weavergen.config.json, valid for NodeConfigSchema', async () => {
    const env = envOf(container);
    const flags = startArgs(container.args, env);
    const home = (flags.get('--home') as string | undefined) ?? env.WEAVERGEN_HOME;
    expect(home, 'the home is set (--home or WEAVERGEN_HOME)').toBeDefined();
    const claims = sts.spec.volumeClaimTemplates.map((v: Manifest) => v.metadata.name);
    const homeMount = container.volumeMounts.find((m: Manifest) => m.mountPath === home);
    expect(homeMount, `a volume at ${home}`).toBeDefined();
    expect(claims).toContain(homeMount.name);
    expect(homeMount.readOnly).not.toBe(true);

    const configMount = container.volumeMounts.find(
      (m: Manifest) => m.mountPath === posix.join(home!, CONFIG_FILE),
    );
    expect(configMount, `a file at ${home}/${CONFIG_FILE}`).toBeDefined();
    const volume = sts.spec.template.spec.volumes.find((v: Manifest) => v.name === configMount.name);
    const map = manifests.find(
      (m) => m.doc.kind === 'ConfigMap' && m.doc.metadata.name === volume.configMap.name,
    );
    expect(map, `ConfigMap ${volume.configMap.name}`).toBeDefined();
    const text = map!.doc.data[configMount.subPath];
    expect(typeof text).toBe('string');
    const parsed = parseConfigText(text);
    expect(parsed.ok).toBe(true);
    const checked = NodeConfigSchema.safeParse({ ...(parsed as { value: object }).value, home });
    expect(checked.success, JSON.stringify(!checked.success && checked.error.issues)).toBe(true);

    // the whole configuration the pod starts with (file < env < flags, as `node start` merges them),
    // on a copy of the home here: it loads, and the network settings take its addresses
    await writeFile(join(tmp, CONFIG_FILE), text);
    const config = await loadConfig(
      {
        home: tmp,
        api: {
          host: flags.get('--api-host') as string | undefined,
          port: flags.has('--api-port') ? Number(flags.get('--api-port')) : undefined,
        },
        network: {
          enabled: flags.has('--no-network') ? false : undefined,
          listen: csv(flags.get('--listen')),
          announce: csv(flags.get('--announce')),
          bootstrap: csv(flags.get('--bootstrap')),
        },
      },
      { ...env, WEAVERGEN_HOME: tmp },
    );
    expect(() =>
      resolveSettings({ listen: config.network.listen, announce: config.network.announce }),
    ).not.toThrow();
    // probes come from the kubelet, at the pod's address: the API listens beyond loopback
    expect(isLoopbackHost(config.api.host)).toBe(false);
    // annotation-based scraping has no token: the config opens /metrics
    if (sts.spec.template.metadata.annotations?.['prometheus.io/scrape'] === 'true') {
      expect(config.api.openMetrics).toBe(true);
      expect(Number(sts.spec.template.metadata.annotations['prometheus.io/port'])).toBe(config.api.port);
      expect(sts.spec.template.metadata.annotations['prometheus.io/path']).toBe('/metrics');
    }
  });
});

describe('docker/k8s: probes and ports are the real routes and settings', () => {
  it("probes /readyz and /livez on the API's port; the libp2p port is the one it listens on", async () => {
    const env = envOf(container);
    const flags = startArgs(container.args, env);
    const port = flags.has('--api-port')
      ? Number(flags.get('--api-port'))
      : Number(env.WEAVERGEN_API_PORT ?? NodeConfigSchema.parse({ home: '/x' }).api.port);
    const named = new Map(container.ports.map((p: Manifest) => [p.name, p.containerPort]));
    const portOf = (p: string | number) => (typeof p === 'number' ? p : named.get(p));
    expect(named.get('api')).toBe(port);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/livez');
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'].filter((p) => container[p]))
      expect(portOf(container[probe].httpGet.port), probe).toBe(port);

    // the routes exist, and answer without a token to a request addressed to the pod's IP
    const doc = openApiDocument({ version: 't', bodyLimitBytes: 1024 }) as {
      paths: Record<string, Manifest>;
    };
    const config = NodeConfigSchema.parse({ home: '/data' });
    const node = {
      config,
      token: 'secret',
      health: () => ({ status: 'ok', version: 't' }),
    } as unknown as WeaverNode;
    const app = createApi({ node });
    for (const path of ['/readyz', '/livez']) {
      expect(doc.paths[path]?.get.security).toEqual([{}]);
      const res = await app.request(`http://${POD_IP}:${port}${path}`);
      expect(res.status, path).toBe(200);
    }

    const listen = csv(flags.get('--listen')) ?? [];
    const tcp = listen
      .map((a) => /\/tcp\/(\d+)/.exec(a)?.[1])
      .filter(Boolean)
      .map(Number);
    if (named.has('p2p')) expect(tcp).toContain(named.get('p2p'));
    for (const p of tcp) if (p !== 0) expect([...named.values()]).toContain(p);
  });

  it('runs as non-root on a read-only root filesystem, with the temp folder writable, and resources bounded', () => {
    const pod = sts.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    // the node writes only its home and os.tmpdir() (validators, task runners, Go's build cache)
    const tmpMount = container.volumeMounts.find((m: Manifest) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: Manifest) => v.name === tmpMount?.name)?.emptyDir).toBeDefined();
    for (const r of ['cpu', 'memory']) {
      expect(container.resources.requests[r], r).toBeDefined();
      expect(container.resources.limits[r], r).toBeDefined();
    }
    // longer than the node's shutdown grace, so in-flight generations end before the kill
    const grace = NodeConfigSchema.parse({ home: '/x' }).generation.shutdownGraceMs / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(grace);
  });
});
