/**
 * Splits prose into chunks of about `maxChars`: Markdown sections first (a heading starts a new
 * chunk and stays with its text), then paragraphs, then sentences, and only then hard cuts.
 */
export function chunkText(text: string, maxChars: number, markdown: boolean): string[] {
  const sections = markdown ? splitSections(text) : [text];
  const chunks: string[] = [];
  for (const section of sections) {
    let current = '';
    const flush = () => {
      if (current.trim()) chunks.push(current.trim());
      current = '';
    };
    for (const para of section.split(/\n\s*\n/)) {
      const p = para.trim();
      if (!p) continue;
      if (p.length > maxChars) {
        flush();
        for (const piece of splitLong(p, maxChars)) chunks.push(piece);
        continue;
      }
      if (current && current.length + 2 + p.length > maxChars) flush();
      current = current ? `${current}\n\n${p}` : p;
    }
    flush();
  }
  return chunks;
}

function splitSections(text: string): string[] {
  const sections: string[] = [];
  let current: string[] = [];
  let inFence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (!inFence && /^#{1,6}\s/.test(line) && current.some((l) => l.trim())) {
      sections.push(current.join('\n'));
      current = [];
    }
    current.push(line);
  }
  if (current.some((l) => l.trim())) sections.push(current.join('\n'));
  return sections;
}

function splitLong(p: string, maxChars: number): string[] {
  const sentences = p.match(/[^.!?]+(?:[.!?]+["')\]]*\s*|$)/g) ?? [p];
  const out: string[] = [];
  let current = '';
  for (const s of sentences) {
    if (s.length > maxChars) {
      if (current.trim()) out.push(current.trim());
      current = '';
      for (let i = 0; i < s.length; i += maxChars) out.push(s.slice(i, i + maxChars).trim());
      continue;
    }
    if (current.length + s.length > maxChars) {
      out.push(current.trim());
      current = '';
    }
    current += s;
  }
  if (current.trim()) out.push(current.trim());
  return out.filter(Boolean);
}
