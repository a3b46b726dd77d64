// Takes a screenshot of a page with Debian's chromium: node scripts/screenshot.mjs URL OUT.png [WIDTH] [HEIGHT]
import { chromium } from '@playwright/test';
const [,, url, out, w = '1280', h = '860'] = process.argv;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: +w, height: +h } });
p.on('console', (m) => { if (m.type() === 'error') console.log('console:', m.text()); });
p.on('pageerror', (e) => console.log('pageerror:', e.message));
await p.goto(url);
await p.waitForTimeout(3000);
await p.screenshot({ path: out, fullPage: false });
await b.close();
