import type { CommandSpec, FlagSpec } from '../spec.js';
import { globalFlags } from '../spec.js';

export function flagLabel(f: FlagSpec): string {
  const long = `--${f.name}${f.type === 'string' ? ` ${f.placeholder ?? 'VALUE'}` : ''}`;
  return f.short ? `-${f.short}, ${long}` : `    ${long}`;
}

export function usageLine(spec: CommandSpec): string {
  const args = spec.args.map((a) => {
    const core = `${a.name}${a.multiple ? '…' : ''}`;
    return a.optional ? `[${core}]` : core;
  });
  return ['baler', spec.name, '[OPTIONS]', ...args].join(' ');
}

function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const words = para.replace(/\s+/g, ' ').trim().split(' ');
    let line = indent;
    for (const w of words) {
      if (line.length + w.length + 1 > width && line.trim()) {
        out.push(line.trimEnd());
        line = indent;
      }
      line += `${w} `;
    }
    if (line.trim()) out.push(line.trimEnd());
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** `baler VERB --help`, from the same spec as the man page. */
export function renderHelp(spec: CommandSpec, width = 100): string {
  const lines: string[] = [`Usage: ${usageLine(spec)}`, '', spec.summary, '', wrap(spec.description, width, '')];
  if (spec.args.length) {
    lines.push('', 'Arguments:');
    for (const a of spec.args) lines.push(`  ${a.name.padEnd(22)} ${a.description}`);
  }
  const flags = [...spec.flags, ...globalFlags];
  lines.push('', 'Options:');
  for (const f of flags) {
    const label = flagLabel(f);
    lines.push(label.length > 26 ? `  ${label}\n${' '.repeat(29)}${f.description}` : `  ${label.padEnd(26)} ${f.description}`);
  }
  if (spec.examples.length) {
    lines.push('', 'Examples:');
    for (const e of spec.examples) lines.push(`  ${e.command}`, `      ${e.description}`);
  }
  lines.push('', `See 'man baler-${spec.name}' for details and exit codes.`);
  return `${lines.join('\n')}\n`;
}
