// The interface's translation files are complete: every key of
// web/src/i18n/en.json is in every other LANG.json (az, ru, ...), as a
// non-empty text with the same {placeholders}; no other file has a key that
// en.json lacks; and every key the code asks for literally (t('a.b'),
// tOr('a.b', ...), data-i18n="a.b") is in en.json. Prints one line per
// problem, naming the file, the key and the English text to translate, and
// exits 1 if there is any.
//
// usage: node i18n_keys.mjs [web/src]   (ctest: web_i18n_keys)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.resolve(process.argv[2] || path.join(here, '../../web/src'));
const dir = path.join(src, 'i18n');

const problems = [];
function read(file) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  } catch (e) {
    problems.push(`${file}: not read as JSON: ${e.message}`);
    return null;
  }
}

// key -> text, for dotted paths; objects are branches
function flatten(o, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix + k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, `${key}.`, out);
    else out.set(key, v);
  }
  return out;
}

const placeholders = (s) => [...new Set(String(s).match(/\{\w+\}/g) || [])].sort().join(' ');

const en = read('en.json');
if (!en) {
  for (const p of problems) console.log(p);
  process.exit(1);
}
const enKeys = flatten(en);
const others = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'en.json').sort();
if (!others.includes('az.json') || !others.includes('ru.json')) problems.push(`${dir}: az.json and ru.json are both needed (found: ${others.join(', ') || 'none'})`);

for (const file of others) {
  const cat = read(file);
  if (!cat) continue;
  const keys = flatten(cat);
  let missing = 0;
  for (const [key, text] of enKeys) {
    if (!keys.has(key)) {
      missing++;
      problems.push(`${file}: missing key ${key} (English: ${JSON.stringify(text)})`);
      continue;
    }
    const v = keys.get(key);
    if (typeof v !== 'string' || !v.trim()) problems.push(`${file}: ${key} is empty or not a text (English: ${JSON.stringify(text)})`);
    else if (placeholders(v) !== placeholders(text))
      problems.push(`${file}: ${key} has placeholders [${placeholders(v)}], English has [${placeholders(text)}]: ${JSON.stringify(v)}`);
  }
  for (const key of keys.keys()) if (!enKeys.has(key)) problems.push(`${file}: key ${key} is not in en.json (removed or misspelt?)`);
  console.log(`${file}: ${keys.size} keys, ${missing} of en.json's ${enKeys.size} missing`);
}

// keys the code names literally
let asked = 0;
for (const f of fs.readdirSync(src).filter((f) => /\.(js|mjs|html)$/.test(f))) {
  const text = fs.readFileSync(path.join(src, f), 'utf8');
  for (const m of text.matchAll(/\b(?:t|tOr)\(\s*'([A-Za-z_][\w-]*(?:\.[\w-]+)+)'|data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) {
    const key = m[1] || m[2];
    asked++;
    if (!enKeys.has(key)) problems.push(`${f}: asks for ${key}, which en.json does not have`);
  }
}
console.log(`code: ${asked} literal keys asked for`);

for (const p of problems) console.log(`FAIL ${p}`);
if (problems.length) {
  console.log(`${problems.length} problems: add the keys above to web/src/i18n/*.json (translated, with the same {placeholders}).`);
  process.exit(1);
}
console.log('ok: every translation file has every key of en.json');
