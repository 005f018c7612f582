/** Progress of a transfer in bytes, with its rate and time left, and how to say it in one line. */

export interface TransferProgress {
  /** What is being transferred, e.g. `org/name@1a2b3c4: model-00001-of-00002.safetensors`. */
  readonly label: string;
  readonly loadedBytes: number;
  readonly totalBytes: number;
  /** Mean rate since the transfer started; 0 until some time has passed. */
  readonly bytesPerSecond: number;
  /** At the mean rate; null while the rate is unknown. */
  readonly secondsLeft: number | null;
}

export type ProgressCallback = (progress: TransferProgress) => void;

/** Counts bytes of one transfer against a clock. */
export class TransferMeter {
  private loaded = 0;
  private readonly started: number;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  add(bytes: number): TransferProgress {
    this.loaded += bytes;
    return this.progress();
  }

  progress(): TransferProgress {
    const seconds = (this.now() - this.started) / 1000;
    const bytesPerSecond = seconds > 0 ? this.loaded / seconds : 0;
    const secondsLeft = bytesPerSecond > 0 ? Math.max(0, this.total - this.loaded) / bytesPerSecond : null;
    return { label: this.label, loadedBytes: this.loaded, totalBytes: this.total, bytesPerSecond, secondsLeft };
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.ceil(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `org/name@1a2b3c4: model.safetensors 12.3 / 270.0 MB (5%), 45.6 MB/s, 6 s left` */
export function formatTransferProgress(progress: TransferProgress): string {
  const { label, loadedBytes, totalBytes, bytesPerSecond, secondsLeft } = progress;
  const percent = totalBytes > 0 ? Math.floor((100 * loadedBytes) / totalBytes) : 100;
  const parts = [`${label} ${formatBytes(loadedBytes)} / ${formatBytes(totalBytes)} (${percent}%)`];
  if (bytesPerSecond > 0) parts.push(`${formatBytes(bytesPerSecond)}/s`);
  if (secondsLeft !== null && loadedBytes < totalBytes) parts.push(`${formatSeconds(secondsLeft)} left`);
  return parts.join(', ');
}
