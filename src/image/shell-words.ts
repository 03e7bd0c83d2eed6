import { BalerError } from '../errors.js';

/**
 * Splits Dockerfile arguments into words the way the Dockerfile shell lexer does for ENV, LABEL,
 * EXPOSE and VOLUME: unquoted whitespace separates words, `'…'` is literal, `"…"` honours
 * backslash escapes, a bare backslash escapes the next character. Quotes are removed.
 */
export function splitShellWords(text: string, what: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) cur += text[++i];
      else cur += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < text.length) cur += text[++i];
    else cur += c;
  }
  if (quote) throw new BalerError('E_USAGE', `--change ${JSON.stringify(what)}: unterminated ${quote} quote`);
  if (inWord) words.push(cur);
  return words;
}
