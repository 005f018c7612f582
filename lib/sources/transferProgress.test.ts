import { describe, expect, it } from 'vitest';
import { formatBytes, formatTransferProgress, TransferMeter } from './transferProgress';

describe('transfer progress', () => {
  it('counts bytes against a clock: rate and time left', () => {
    let now = 1000;
    const meter = new TransferMeter('org/m@1234567: model.safetensors', 100 * 2 ** 20, () => now);
    expect(meter.progress()).toMatchObject({ loadedBytes: 0, bytesPerSecond: 0, secondsLeft: null });
    now += 2000;
    const p = meter.add(25 * 2 ** 20);
    expect(p.bytesPerSecond).toBe(12.5 * 2 ** 20);
    expect(p.secondsLeft).toBe(6);
    expect(formatTransferProgress(p)).toBe('org/m@1234567: model.safetensors 25.0 MB / 100.0 MB (25%), 12.5 MB/s, 6 s left');
    now += 6000;
    expect(formatTransferProgress(meter.add(75 * 2 ** 20))).toBe('org/m@1234567: model.safetensors 100.0 MB / 100.0 MB (100%), 12.5 MB/s');
  });

  it('says sizes in binary units', () => {
    expect([0, 1023, 1024, 1536, 5 * 2 ** 30].map(formatBytes)).toEqual(['0 B', '1023 B', '1.00 kB', '1.50 kB', '5.00 GB']);
  });
});
