/**
 * Sparse int16 encoding of weight rows, shared by both classifiers. Models are quantized right
 * after training and then rebuilt from the encoding, so the model in memory and the one reloaded
 * from JSON are bit-identical, and a CLINC150-sized model stays far below MongoDB's 16 MB cap.
 */

/** One encoded row: `data` alternates index deltas and int16 values; value = q * scale. */
export interface SparseRow {
  scale: number;
  data: number[];
}

/**
 * Encodes `length` weights read through `get`. Values below `minRatio` of the row's largest
 * magnitude are dropped (they never change a decision at that relative size).
 */
export function encodeRow(get: (i: number) => number, length: number, minRatio: number): SparseRow {
  let max = 0;
  for (let i = 0; i < length; i += 1) max = Math.max(max, Math.abs(get(i)));
  const scale = max / 32767 || 1;
  const cut = Math.max(1, Math.round(minRatio * 32767));
  const data: number[] = [];
  let last = 0;
  for (let i = 0; i < length; i += 1) {
    const q = Math.round(get(i) / scale);
    if (Math.abs(q) >= cut) {
      data.push(i - last, q);
      last = i;
    }
  }
  return { scale, data };
}

/** Decodes a row, calling `set` for every stored (index, value). */
export function decodeRow(row: SparseRow, set: (i: number, value: number) => void): void {
  let index = 0;
  for (let k = 0; k + 1 < row.data.length; k += 2) {
    index += row.data[k] ?? 0;
    set(index, (row.data[k + 1] ?? 0) * row.scale);
  }
}
