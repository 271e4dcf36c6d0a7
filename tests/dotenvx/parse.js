// Reads a JSON array of dotenv sources on stdin; prints dotenvx's parse of
// each (with an empty process environment) as a JSON array.
const { parse } = require('@dotenvx/dotenvx');
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map((src) => {
    try { return parse(src, { processEnv: {} }); } catch (e) { return { __error__: String(e.message) }; }
  });
  process.stdout.write(JSON.stringify(out));
});
