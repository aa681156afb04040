/** JSON with // and /* *\/ comments, as our commented files in conf/ are written. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  return out;
}

export function parseJsonc(text: string, file: string): unknown {
  try {
    return JSON.parse(stripComments(text));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (comments allowed): ${(e as Error).message}`);
  }
}
