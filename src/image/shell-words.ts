import { BalerError } from '../errors.js';

/**
 * The Dockerfile shell lexer (moby's `shell.Lex`) for `--change` arguments: unquoted whitespace
 * separates words, `'…'` is literal, `"…"` honours `\"`, `\\` and `\$`, a bare backslash escapes the
 * next character, quotes are removed. With an environment, `$VAR`, `${VAR}` and `${VAR:-word}`,
 * `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`, `${VAR:?msg}`, `${VAR?msg}` are substituted outside
 * single quotes; an unset variable is empty and an escaped `\$` stays a literal `$`.
 */

/** `KEY=VALUE` entries as in a config's Env; the first entry of a key wins, like moby's lookup. */
export type ShellEnv = readonly string[];

/**
 * How a lexed text becomes strings:
 * - `words`: split at unquoted whitespace, substituted values never split (ENV, LABEL, VOLUME);
 * - `fields`: as `words`, but an unquoted substitution is split at whitespace too and empty words are
 *   dropped (moby's `ProcessWords`, used by EXPOSE);
 * - `word`: one string, whitespace kept as written (moby's `ProcessWord`: WORKDIR, USER, legacy ENV values).
 */
type LexMode = 'words' | 'fields' | 'word';

function usage(what: string, why: string): BalerError {
  return new BalerError('E_USAGE', `--change ${JSON.stringify(what)}: ${why}`);
}

function lookup(env: ShellEnv, name: string): string | undefined {
  const prefix = `${name}=`;
  for (const e of env) if (e.startsWith(prefix)) return e.slice(prefix.length);
  return undefined;
}

const NAME_CHAR = /[A-Za-z0-9_]/;

class Lexer {
  private i = 0;
  private words: string[] = [];
  private cur = '';
  private inWord = false;

  constructor(
    private readonly text: string,
    private readonly what: string,
    private readonly env: ShellEnv | undefined,
    private readonly mode: LexMode,
  ) {}

  run(): string[] {
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i++] as string;
      if (this.mode !== 'word' && /\s/.test(c)) {
        this.endWord();
        continue;
      }
      this.inWord = true;
      if (c === "'") this.cur += this.singleQuoted();
      else if (c === '"') this.cur += this.doubleQuoted();
      else if (c === '\\' && this.i < t.length) this.cur += t[this.i++];
      else if (c === '$' && this.env) this.addExpansion(this.dollar());
      else this.cur += c;
    }
    if (this.mode === 'word') return [this.cur];
    this.endWord();
    return this.words;
  }

  private endWord(): void {
    if (this.inWord && (this.mode !== 'fields' || this.cur !== '')) this.words.push(this.cur);
    this.cur = '';
    this.inWord = false;
  }

  /** An unquoted substitution: in `fields` mode its whitespace separates words. */
  private addExpansion(value: string): void {
    if (this.mode !== 'fields') {
      this.cur += value;
      return;
    }
    const parts = value.split(/\s+/);
    parts.forEach((p, n) => {
      if (n > 0) this.endWord();
      this.cur += p;
      this.inWord = true;
    });
  }

  private singleQuoted(): string {
    const end = this.text.indexOf("'", this.i);
    if (end < 0) throw usage(this.what, "unterminated ' quote");
    const s = this.text.slice(this.i, end);
    this.i = end + 1;
    return s;
  }

  private doubleQuoted(): string {
    const t = this.text;
    let s = '';
    while (this.i < t.length) {
      const c = t[this.i++] as string;
      if (c === '"') return s;
      if (c === '\\' && this.i < t.length && '"\\$'.includes(t[this.i] as string)) s += t[this.i++];
      else if (c === '$' && this.env) s += this.dollar();
      else s += c;
    }
    throw usage(this.what, 'unterminated " quote');
  }

  /** After a `$`: the substituted value, or a literal `$` when no name follows. */
  private dollar(): string {
    const t = this.text;
    if (t[this.i] === '{') {
      this.i++;
      return this.braced();
    }
    const name = this.name();
    return name === '' ? '$' : (lookup(this.env ?? [], name) ?? '');
  }

  private name(): string {
    const t = this.text;
    // a positional `$1` is one digit; otherwise letters, digits and `_`
    if (/[0-9]/.test(t[this.i] ?? '')) return t[this.i++] as string;
    const start = this.i;
    while (this.i < t.length && NAME_CHAR.test(t[this.i] as string)) this.i++;
    return t.slice(start, this.i);
  }

  private braced(): string {
    const t = this.text;
    const name = this.name();
    if (name === '') throw usage(this.what, `bad substitution at ${JSON.stringify(t.slice(this.i - 2))}`);
    const value = lookup(this.env ?? [], name);
    if (this.i >= t.length) throw usage(this.what, "missing '}'");
    if (t[this.i] === '}') {
      this.i++;
      return value ?? '';
    }
    const colon = t[this.i] === ':';
    if (colon) this.i++;
    const op = t[this.i++];
    if (op !== '-' && op !== '+' && op !== '?') throw usage(this.what, `unsupported modifier in \${${name}${colon ? ':' : ''}${op ?? ''}…}`);
    const word = this.untilBrace();
    // with a colon, an empty value counts as unset (POSIX)
    const set = value !== undefined && (!colon || value !== '');
    if (op === '-') return set ? (value as string) : word;
    if (op === '+') return set ? word : '';
    if (!set) throw usage(this.what, `${name}: ${word || 'is not set'}`);
    return value as string;
  }

  /** The word of `${VAR:-word}` up to its closing brace: quotes, escapes and substitutions apply. */
  private untilBrace(): string {
    const t = this.text;
    let s = '';
    while (this.i < t.length) {
      const c = t[this.i++] as string;
      if (c === '}') return s;
      if (c === "'") s += this.singleQuoted();
      else if (c === '"') s += this.doubleQuoted();
      else if (c === '\\' && this.i < t.length) s += t[this.i++];
      else if (c === '$') s += this.dollar();
      else s += c;
    }
    throw usage(this.what, "missing '}'");
  }
}

/** Words of `text`, quotes removed; substitutes variables from `env` when given. */
export function splitShellWords(text: string, what: string, env?: ShellEnv): string[] {
  return new Lexer(text, what, env, 'words').run();
}

/** Like splitShellWords, but unquoted substitutions split into more words and empty words vanish (EXPOSE). */
export function splitShellFields(text: string, what: string, env?: ShellEnv): string[] {
  return new Lexer(text, what, env, 'fields').run();
}

/** `text` as one word: quotes removed, escapes and substitutions applied, whitespace kept. */
export function processShellWord(text: string, what: string, env?: ShellEnv): string {
  return new Lexer(text, what, env, 'word').run()[0] ?? '';
}
