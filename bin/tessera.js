#!/usr/bin/env node
// The `tessera` command. The TypeScript is compiled by `npm ci` / `npm install` (the `prepare` script).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('tessera: not built yet; run `npm run build` first\n');
  process.exit(1);
}
const { runCli } = await import(cli.href);
await runCli(process.argv.slice(2));
