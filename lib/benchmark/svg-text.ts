/**
 * How much room a chart's text takes, so that the charts can make room for their labels (and wrap
 * the long ones) and the tests can check every label lies inside the picture and clear of the others,
 * both with this one measurement.
 *
 * The charts ask for Helvetica, Arial or the viewer's sans-serif. Arial and Liberation Sans have
 * Helvetica's advance widths; where none of them is installed (most Linux desktops without Microsoft's
 * fonts), sans-serif is usually DejaVu Sans, which is wider. So a character's width here is the larger
 * of the two: Helvetica's from Adobe's font metrics (Helvetica.afm, Helvetica-Bold.afm) and DejaVu
 * Sans's measured from its font file (fonts-dejavu-core 2.37, the hmtx table read through cmap). A label
 * laid out with these widths fits in either font.
 */

export const CHART_FONT_FAMILY = 'Helvetica, Arial, sans-serif';

/** Advance widths in 1/1000 em of the printable ASCII characters, space (32) to tilde (126). */
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
  975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
  333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];
const DEJAVU_SANS = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
  1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
  500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const DEJAVU_SANS_BOLD = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
  1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
  500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];
/** The other characters the charts write, regular and bold, already the larger of the two fonts. */
const OTHERS: Record<string, [number, number]> = {
  '·': [318, 380], '–': [556, 556], '—': [1000, 1000], '×': [838, 838], '±': [838, 838], '−': [838, 838], '…': [1000, 1000], 'µ': [636, 736], '°': [500, 500],
};
/** Any other character: a full em, wider than almost every glyph of these fonts. */
const UNKNOWN = 1000;

function widest(a: readonly number[], b: readonly number[]): Map<string, number> {
  return new Map(a.map((w, i) => [String.fromCharCode(32 + i), Math.max(w, b[i])]));
}
const REGULAR = widest(HELVETICA, DEJAVU_SANS);
const BOLD = widest(HELVETICA_BOLD, DEJAVU_SANS_BOLD);

/** Width in px of `content` set at `fontSize` px. */
export function textWidth(content: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of content) units += table.get(ch) ?? OTHERS[ch]?.[bold ? 1 : 0] ?? UNKNOWN;
  return (units / 1000) * fontSize;
}

/** Above and below the baseline, in em: DejaVu Sans's ascender and descender, the larger of the two fonts'. */
export const ASCENT_EM = 0.93;
export const DESCENT_EM = 0.24;

export type TextAnchor = 'start' | 'middle' | 'end';

export interface TextBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The box a one-line `<text>` at (x, y baseline) covers. */
export function textBox(x: number, y: number, content: string, fontSize: number, anchor: TextAnchor = 'start', bold = false): TextBox {
  const w = textWidth(content, fontSize, bold);
  const x0 = anchor === 'start' ? x : anchor === 'middle' ? x - w / 2 : x - w;
  return { x0, y0: y - ASCENT_EM * fontSize, x1: x0 + w, y1: y + DESCENT_EM * fontSize };
}

/** True when two boxes share more than an edge. */
export function boxesOverlap(a: TextBox, b: TextBox): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/**
 * `content` in lines no wider than `maxWidth`: a name (`breaks: 'name'`, the default) is broken after
 * spaces, hyphens, underscores, slashes and commas, so a target name breaks at its hyphens; prose
 * (`'words'`) at spaces only. A piece wider than a line on its own is cut where it must be. Spaces at
 * a break are dropped.
 */
export function wrapToWidth(content: string, maxWidth: number, fontSize: number, bold = false, breaks: 'name' | 'words' = 'name'): string[] {
  const pattern = breaks === 'name' ? /[^ \-_/,]*(?:[\-_/,]+|\s+|$)/g : /[^ ]*(?: +|$)/g;
  const pieces = content.match(pattern)?.filter((p) => p !== '') ?? [content];
  const fits = (s: string) => textWidth(s.trimEnd(), fontSize, bold) <= maxWidth;
  const lines: string[] = [];
  let line = '';
  for (const piece of pieces) {
    if (fits(line + piece)) {
      line += piece;
      continue;
    }
    if (line.trim() !== '') lines.push(line.trimEnd());
    line = '';
    let rest = piece.trimStart();
    while (!fits(rest)) {
      let cut = 1;
      while (cut < rest.length && fits(rest.slice(0, cut + 1))) cut++;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    line = rest;
  }
  if (line.trim() !== '' || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}
