// A line diff: the longest common subsequence of two texts' lines, as +/- lines.

/** [{op: ' ' | '-' | '+', text}] turning `before` into `after` (arrays of lines). */
export function lineDiff(before, after) {
  // Common head and tail first: a fix usually changes a few lines in the middle.
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) tail++;
  const a = before.slice(head, before.length - tail);
  const b = after.slice(head, after.length - tail);

  const same = (lines) => lines.map((text) => ({ op: ' ', text }));
  const middle = [];
  if (a.length * b.length > 4_000_000) {
    // Too big for the quadratic table (a pasted megabyte): everything out, everything in.
    middle.push(...a.map((text) => ({ op: '-', text })), ...b.map((text) => ({ op: '+', text })));
  } else {
    // lcs[i][j]: the length of the LCS of a[i..] and b[j..], in one flat array.
    const width = b.length + 1;
    const lcs = new Uint32Array((a.length + 1) * width);
    for (let i = a.length - 1; i >= 0; i--) {
      for (let j = b.length - 1; j >= 0; j--) {
        lcs[i * width + j] =
          a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        middle.push({ op: ' ', text: a[i] });
        i++;
        j++;
      } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
        middle.push({ op: '-', text: a[i++] });
      } else {
        middle.push({ op: '+', text: b[j++] });
      }
    }
    while (i < a.length) middle.push({ op: '-', text: a[i++] });
    while (j < b.length) middle.push({ op: '+', text: b[j++] });
  }
  return [...same(before.slice(0, head)), ...middle, ...same(before.slice(before.length - tail))];
}
