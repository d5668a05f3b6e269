#!/usr/bin/env node
import { runCli } from '../cli/run';

const code = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') || s.startsWith('\r') ? s : `${s}\n`),
  isTty: Boolean(process.stderr.isTTY),
});
process.exitCode = code;
