import { formatTransferProgress, type ProgressCallback } from '@/lib/sources/transferProgress';
/** Minimal argument parsing for the CLIs: positionals and `--name value` options. */
export function parseArgs(argv: readonly string[], optionNames: readonly string[]): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    if (name !== null && optionNames.includes(name)) {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      options.set(name, value);
      i++;
    } else if (name !== null) {
      throw new Error(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  return { positional, options };
}

/** A one-line progress bar on stderr (only on a terminal; logs get the final line). */
export function printProgress(label: string): (done: number, total: number) => void {
  let lastPercent = -1;
  return (done, total) => {
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (percent === lastPercent) return;
    lastPercent = percent;
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((width * percent) / 100);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${percent}%`);
      if (done >= total) process.stderr.write('\n');
    } else if (done >= total) {
      process.stderr.write(`${label}: done\n`);
    }
  };
}

/**
 * Download progress on stderr: one rewritten line per file on a terminal (bytes, rate, time
 * left); in a log, a line at each quarter of each file of 1 MiB or more.
 */
export function printTransferProgress(): ProgressCallback {
  const lastQuarter = new Map<string, number>();
  return (progress) => {
    const done = progress.loadedBytes >= progress.totalBytes;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K${formatTransferProgress(progress)}${done ? '\n' : ''}`);
      return;
    }
    // Small files (configs, tokenizers) arrive at once; their line would be noise in a log.
    if (progress.totalBytes < 2 ** 20) return;
    const quarter = progress.totalBytes > 0 ? Math.floor((4 * progress.loadedBytes) / progress.totalBytes) : 4;
    if (quarter === (lastQuarter.get(progress.label) ?? -1)) return;
    lastQuarter.set(progress.label, quarter);
    if (quarter > 0) process.stderr.write(`${formatTransferProgress(progress)}\n`);
  };
}
