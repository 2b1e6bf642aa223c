/**
 * A report as a multi-page PDF (pdfkit, loaded on first use): a title page, then sections in order:
 * tables (headed, paginated by row), PNG charts (each on a page of its own, scaled to the width) and
 * notes. Text is set in the standard Helvetica (every reader has it; nothing is embedded or fetched),
 * so characters outside Latin-1 print as "?". (An embedded TrueType font made each table ~20x slower.)
 */
const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';

/** Latin-1 only: the standard fonts' encoding. */
const latin1 = (s: string): string => s.replace(/[^\n\x20-\x7e\xa0-\xff]/g, '?');

export type PdfCell = string | number | null;
export type PdfSection =
  | { kind: 'table'; title: string; columns: string[]; rows: PdfCell[][]; note?: string }
  | { kind: 'image'; title: string; png: Buffer }
  | { kind: 'note'; title: string; text: string }
  | { kind: 'page' };

export interface PdfReport {
  title: string;
  /** Lines under the title (source, period, when made). */
  subtitle: string[];
  /** A warning printed in red under the title (e.g. SIMULATED). */
  stamp?: string;
  sections: PdfSection[];
}

const MARGIN = 50;

export async function renderPdf(report: PdfReport): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: report.title, Producer: 'quantconnect-mcp', Creator: 'quantconnect-mcp' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;

  doc.font(BOLD).fontSize(18).text(latin1(report.title), { width });
  doc.moveDown(0.3);
  doc.font(REGULAR).fontSize(10).fillColor('#444444');
  for (const line of report.subtitle) doc.text(latin1(line), { width });
  if (report.stamp) doc.moveDown(0.3).font(BOLD).fillColor('#b00020').text(latin1(report.stamp), { width });
  doc.fillColor('black').moveDown(1);

  const heading = (title: string) => {
    if (doc.y > doc.page.maxY() - 80) doc.addPage();
    doc.font(BOLD).fontSize(12).fillColor('black').text(latin1(title), MARGIN, doc.y, { width }).moveDown(0.3);
  };
  for (const section of report.sections) {
    if (section.kind === 'page') {
      doc.addPage();
    } else if (section.kind === 'note') {
      heading(section.title);
      doc.font(REGULAR).fontSize(9).text(latin1(section.text), { width }).moveDown(1);
    } else if (section.kind === 'image') {
      doc.addPage();
      heading(section.title);
      doc.image(section.png, MARGIN, doc.y, { fit: [width, doc.page.maxY() - doc.y] });
    } else {
      heading(section.title);
      doc.font(REGULAR).fontSize(section.columns.length > 8 ? 7 : 9);
      const header = section.columns.map((text) => ({ text: latin1(text), font: { src: BOLD }, backgroundColor: '#eeeeee' }));
      const rows = section.rows.map((row) => row.map((v) => (v === null ? '' : latin1(String(v)))));
      doc.table({ data: [header, ...rows], defaultStyle: { padding: 2, border: 0.5, borderColor: '#bbbbbb' } });
      if (section.note)
        doc
          .font(REGULAR)
          .fontSize(8)
          .fillColor('#444444')
          .text(latin1(section.note), MARGIN, doc.y + 4, { width })
          .fillColor('black');
      doc.moveDown(1);
    }
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
