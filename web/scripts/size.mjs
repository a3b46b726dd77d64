// `make bench`: the production bundle's JavaScript for the first page, gzipped, vs the budget.
// The first page loads what index.html references (the entry and its static imports).
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 250 * 1024;
const dist = new URL('../dist/', import.meta.url);
const html = readFileSync(new URL('index.html', dist), 'utf8');
const entries = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
const seen = new Set();
const queue = [...entries];
while (queue.length) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  const code = readFileSync(new URL(file, dist), 'utf8');
  // static imports between chunks: import"./x.js" / from"./x.js"
  for (const m of code.matchAll(/(?:import|from)\s*["']\.\/([^"']+\.js)["']/g)) queue.push(`assets/${m[1]}`);
}
let raw = 0;
let gz = 0;
for (const file of seen) {
  const bytes = readFileSync(new URL(file, dist));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
}
const all = readdirSync(new URL('assets/', dist)).filter((f) => f.endsWith('.js')).length;
const kb = (n) => (n / 1024).toFixed(1);
console.log(
  `web: first page JavaScript ${kb(gz)} kB gzipped (${kb(raw)} kB raw, ${seen.size} of ${all} chunk(s)); budget ${kb(BUDGET)} kB: ${gz <= BUDGET ? 'within' : 'OVER'}`,
);
if (gz > BUDGET) process.exit(1);
