import { spawnSync } from 'node:child_process';

/**
 * A strict reader for the XML the JUnit writer produces (elements, attributes, text, the XML
 * declaration): it throws on anything not well-formed in that subset (an unescaped `<` or `&`, an
 * unknown entity, a character XML 1.0 forbids, a duplicate attribute, a mismatched end tag, text
 * outside the root), and gives attribute values back as an XML parser would (character references
 * decoded, literal tab, newline and carriage return normalized to spaces). Not the writer's code: a
 * second reading of the rules, and `expatParse` checks both against a real parser where python3 is.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*/;
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, where: string): string {
  if (s.includes('<')) throw new Error(`raw < in ${where}`);
  return s.replace(/&([^;]*);|&/g, (_whole, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare & in ${where}`);
    if (ref in ENTITIES) return ENTITIES[ref];
    const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
    if (!m) throw new Error(`unknown entity &${ref}; in ${where}`);
    const cp = m[1] ? Number.parseInt(m[1], 16) : Number(m[2]);
    const ch = String.fromCodePoint(cp);
    if (FORBIDDEN.test(ch)) throw new Error(`reference to a forbidden character &${ref}; in ${where}`);
    return ch;
  });
}

export function parseXml(xml: string): XmlElement {
  const bad = FORBIDDEN.exec(xml);
  if (bad) throw new Error(`forbidden character U+${bad[0].codePointAt(0)!.toString(16)} at ${bad.index}`);
  let i = 0;
  const decl = /^<\?xml[^?]*\?>/.exec(xml);
  if (decl) i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (stack.length) stack[stack.length - 1].text += decode(text, 'text');
    else if (text.trim()) throw new Error(`text outside the root: ${JSON.stringify(text.slice(0, 40))}`);
    if (lt < 0) break;
    i = lt + 1;
    if (xml[i] === '/') {
      const m = /^\/([^\s>]+)\s*>/.exec(xml.slice(i));
      const open = stack.pop();
      if (!m || !open || open.name !== m[1]) throw new Error(`mismatched end tag at ${lt}`);
      i += m[0].length;
      continue;
    }
    const name = NAME.exec(xml.slice(i))?.[0];
    if (!name) throw new Error(`not an element at ${lt}: ${JSON.stringify(xml.slice(lt, lt + 20))}`);
    if (!stack.length && root) throw new Error('a second root element');
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0];
      i += ws.length;
      if (xml.startsWith('/>', i) || xml[i] === '>') break;
      if (!ws) throw new Error(`no space before an attribute at ${i}`);
      const a = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(xml.slice(i));
      if (!a) throw new Error(`bad attribute at ${i}: ${JSON.stringify(xml.slice(i, i + 30))}`);
      if (a[1] in el.attrs) throw new Error(`duplicate attribute ${a[1]}`);
      // attribute-value normalization: literal whitespace characters become spaces
      el.attrs[a[1]] = decode((a[3] ?? a[4]).replace(/[\t\n\r]/g, ' '), `attribute ${a[1]}`);
      i += a[0].length;
    }
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    if (xml.startsWith('/>', i)) i += 2;
    else {
      i += 1;
      stack.push(el);
    }
  }
  if (stack.length) throw new Error(`unclosed element <${stack[stack.length - 1].name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element below (and including) `el` with this name. */
export const all = (el: XmlElement, name: string): XmlElement[] => [
  ...(el.name === name ? [el] : []),
  ...el.children.flatMap((c) => all(c, name)),
];

/**
 * Python's expat (a real XML parser) on the text: undefined when it accepts it, else its error;
 * null when python3 is not here.
 */
export function expatParse(xml: string): string | undefined | null {
  const r = spawnSync(
    'python3',
    ['-c', 'import sys, xml.dom.minidom as m\nm.parseString(sys.stdin.buffer.read())'],
    { input: Buffer.from(xml, 'utf8'), encoding: 'utf8' },
  );
  if (r.error) return null;
  return r.status === 0 ? undefined : r.stderr.trim().split('\n').pop();
}

/** What expat reads as the attributes of the first element with this name (JSON through python). */
export function expatAttrs(xml: string, tag: string): Record<string, string> | null {
  const r = spawnSync(
    'python3',
    [
      '-c',
      'import sys, json, xml.dom.minidom as m\nd = m.parseString(sys.stdin.buffer.read())\ne = d.getElementsByTagName(sys.argv[1])[0]\nprint(json.dumps({k: v for k, v in e.attributes.items()}))',
      tag,
    ],
    { input: Buffer.from(xml, 'utf8'), encoding: 'utf8' },
  );
  if (r.error) return null;
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}
