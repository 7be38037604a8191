import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import sharp from 'sharp';

/** Draws the generated default avatars. */
export interface InitialsRenderer {
  /** A square WebP of `side` pixels: `initials` in white on `background` (#rrggbb), or a silhouette when there are none to draw. */
  render(initials: string, background: string, side: number): Promise<Buffer>;
}

// DejaVu Sans Bold (Bitstream Vera licence, free to use and redistribute; DejaVu's changes are public
// domain) covers Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic. It comes from npm, so
// the server needs no fonts installed on the machine.
const FONT_FILE = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * Letters become SVG paths taken from the font's outlines (fontkit shapes each grapheme, so
 * combining marks and Arabic forms come out right), and sharp rasterizes that SVG. No text
 * reaches librsvg or Pango, so nothing depends on fontconfig or the fonts a machine has, and the
 * same initials give the same bytes everywhere. Letters the font lacks (CJK, for one) are left
 * out rather than drawn as boxes; with none left, a head-and-shoulders silhouette stands in.
 */
export class FontInitialsRenderer implements InitialsRenderer {
  private font: fontkit.Font | undefined;

  constructor(private readonly fontFile = FONT_FILE) {}

  async render(initials: string, background: string, side: number): Promise<Buffer> {
    if (!/^#[0-9a-f]{6}$/i.test(background)) throw new Error(`Not a colour: ${background}`);
    const letters = this.letters(initials, side);
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" viewBox="0 0 ${side} ${side}">` +
      `<rect width="${side}" height="${side}" fill="${background}"/>${letters ?? silhouette(side)}</svg>`;
    return sharp(Buffer.from(svg)).webp({ quality: 90 }).toBuffer();
  }

  /** A <path> of the initials, scaled and centred on their ink, or undefined when the font draws none of them. */
  private letters(initials: string, side: number): string | undefined {
    const font = this.loadFont();
    // Each grapheme is shaped alone, so two initials never join or form a ligature.
    const runs = Array.from(segmenter.segment(initials), ({ segment }) => font.layout(segment)).filter(
      (run) => run.glyphs.length > 0 && run.glyphs.every((glyph) => glyph.id !== 0),
    );
    if (runs.length === 0) return undefined;
    if (runs[0]?.direction === 'rtl') runs.reverse();

    const outlines: string[] = [];
    const ink = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
    let penX = 0;
    for (const run of runs) {
      run.glyphs.forEach((glyph, i) => {
        const position = run.positions[i];
        if (!position) return;
        const path = glyph.path.translate(penX + position.xOffset, position.yOffset);
        const box = path.bbox;
        if (box.maxX > box.minX) {
          ink.minX = Math.min(ink.minX, box.minX);
          ink.minY = Math.min(ink.minY, box.minY);
          ink.maxX = Math.max(ink.maxX, box.maxX);
          ink.maxY = Math.max(ink.maxY, box.maxY);
        }
        outlines.push(path.toSVG());
        penX += position.xAdvance;
      });
    }
    if (!Number.isFinite(ink.minX)) return undefined;

    // Capitals stand 40% of the side high, unless the pair is too wide for 72% of it.
    const capHeight = font.glyphForCodePoint(0x48).bbox.maxY || font.unitsPerEm * 0.7;
    const scale = Math.min((side * 0.4) / capHeight, (side * 0.72) / (ink.maxX - ink.minX));
    const x = side / 2 - ((ink.minX + ink.maxX) / 2) * scale;
    // Font units point up, SVG's down: flip, then centre the ink.
    const y = side / 2 + ((ink.minY + ink.maxY) / 2) * scale;
    const transform = `translate(${round(x)} ${round(y)}) scale(${round(scale)} ${round(-scale)})`;
    return `<path fill="#ffffff" transform="${transform}" d="${outlines.join(' ')}"/>`;
  }

  private loadFont(): fontkit.Font {
    // Read on first use: a server that never draws a default avatar never parses the font.
    if (!this.font) {
      const font = fontkit.create(readFileSync(this.fontFile));
      if (!('layout' in font)) throw new Error(`${this.fontFile} is a font collection, not a font`);
      this.font = font;
    }
    return this.font;
  }
}

/** Head and shoulders, drawn on a 100-unit grid and scaled to the side. */
function silhouette(side: number): string {
  const k = round(side / 100);
  return (
    `<g fill="#ffffff" fill-opacity="0.9" transform="scale(${k})">` +
    `<circle cx="50" cy="38" r="17"/><path d="M18 84C18 66 32 59 50 59C68 59 82 66 82 84Z"/></g>`
  );
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
