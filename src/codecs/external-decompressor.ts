import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Duplex } from 'node:stream';
import { BalerError } from '../errors.js';
import { corruptError, truncatedError } from './decode-errors.js';

/**
 * xz and bzip2 are read-only formats for baler (Docker accepts them on load/import; nobody writes new
 * layers with them), so rather than shipping decoders it pipes through the system `xz -dc` /
 * `bzip2 -dc`. The child's stdout is paused whenever our reader is, so memory stays bounded.
 */
export interface ExternalTool {
  codec: 'xz' | 'bzip2';
  command: string;
  args: string[];
  /** stderr patterns that mean the input ended early. */
  truncated: RegExp;
}

export class ExternalDecompressor extends Duplex {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stdoutEnded = false;
  private failed = false;

  constructor(
    private readonly tool: ExternalTool,
    private readonly what: string,
  ) {
    super({ readableHighWaterMark: 256 * 1024 });
    this.child = spawn(tool.command, tool.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        this.fail(new BalerError('E_UNSUPPORTED', `${what}: ${tool.codec} data needs the \`${tool.command}\` program, which is not installed`, { cause: err }));
      } else this.fail(new BalerError('E_IO', `${what}: could not run ${tool.command}: ${err.message}`, { cause: err }));
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (s: string) => {
      if (this.stderr.length < 4096) this.stderr += s;
    });
    this.child.stdout.on('data', (b: Buffer) => {
      if (!this.push(b)) this.child.stdout.pause();
    });
    this.child.stdout.on('end', () => {
      this.stdoutEnded = true;
      this.settle();
    });
    // EPIPE when the tool quits early (corrupt input); the exit status explains it
    this.child.stdin.on('error', () => undefined);
    this.child.on('close', (code, signal) => {
      this.exited = { code, signal };
      this.settle();
    });
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.destroy(err);
  }

  private settle(): void {
    if (!this.exited || !this.stdoutEnded || this.failed || this.destroyed) return;
    const { code, signal } = this.exited;
    if (code === 0) {
      this.push(null);
      return;
    }
    const msg = this.stderr.trim().split('\n')[0] ?? '';
    if (this.tool.truncated.test(this.stderr)) this.fail(truncatedError(this.tool.codec, this.what));
    else this.fail(corruptError(this.tool.codec, this.what, msg || `${this.tool.command} exited with ${code ?? signal}`));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.child.stdin.write(chunk)) cb();
    else this.child.stdin.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin.end();
    cb();
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.exited) this.child.kill('SIGKILL');
    cb(err);
  }
}
