import { spawnSync } from 'node:child_process';

/**
 * Parses a document with a real XML parser (Python's xml.etree, present wherever the project's
 * Python side runs) and returns what the tests look at. Throws with the parser's message when the
 * document is not well-formed.
 */
export interface ParsedSvg {
  tag: string;
  attrib: Record<string, string>;
  texts: string[];
  title: string;
  counts: Record<string, number>;
  /** Every `<text>` element in document order: its attributes and its content. */
  textElements: { attrib: Record<string, string>; text: string }[];
  /** Every element drawn for a target (`data-target`): which target, and its fill and stroke. */
  targetMarks: { tag: string; target: string; fill: string | null; stroke: string | null }[];
}

const SCRIPT = `
import sys, json, collections
import xml.etree.ElementTree as ET
try:
    root = ET.fromstring(sys.stdin.buffer.read())
except ET.ParseError as e:
    print(json.dumps({"error": str(e)})); sys.exit(0)
ns = "{http://www.w3.org/2000/svg}"
counts = collections.Counter(e.tag.replace(ns, "") for e in root.iter())
title = root.find(ns + "title")
print(json.dumps({
    "tag": root.tag,
    "attrib": root.attrib,
    "texts": ["".join(e.itertext()) for e in root.iter(ns + "text")],
    "title": title.text if title is not None else "",
    "counts": counts,
    "textElements": [{"attrib": e.attrib, "text": "".join(e.itertext())} for e in root.iter(ns + "text")],
    "targetMarks": [{"tag": e.tag.replace(ns, ""), "target": e.get("data-target"), "fill": e.get("fill"), "stroke": e.get("stroke")} for e in root.iter() if e.get("data-target") is not None],
}))
`;

export function parseSvg(svg: string): ParsedSvg {
  const out = spawnSync('python3', ['-c', SCRIPT], { input: svg, encoding: 'utf8', timeout: 20_000 });
  if (out.status !== 0) {
    throw new Error(`python3 XML parser failed to run: ${out.stderr || out.error}`);
  }
  const parsed = JSON.parse(out.stdout) as ParsedSvg & { error?: string };
  if (parsed.error) {
    throw new Error(`not well-formed XML: ${parsed.error}`);
  }
  return parsed;
}
