// One engine, one answer: every fixture through the sandbox's WebAssembly build and through the
// native CLI (`trustcheck policy --format json`), whose outputs must be byte-identical.
//
// The wasm side is the bundle as shipped (target/sandbox/engine.js and its embedded engine), so
// the page's own glue is tested too. No dependencies: node's standard library only.
//
// Usage: node sandbox/tests/differential.mjs [path/to/trustcheck]   (default target/debug/trustcheck)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.resolve(process.argv[2] ?? path.join(ROOT, 'target/debug/trustcheck'));
const ENGINE = path.join(ROOT, 'target/sandbox/engine.js');
const CASES = path.join(ROOT, 'shared/trustcheck/tests/fixtures/cases.json');
const POLICIES = path.join(ROOT, 'cli/tests/policies');

for (const [file, how] of [[ENGINE, 'make sandbox-bundle'], [CLI, 'make trustcheck-bin']]) {
  if (!fs.existsSync(file)) {
    console.error(`differential: ${path.relative(ROOT, file)} is missing: build it with \`${how}\``);
    process.exit(1);
  }
}
const { respond, request } = await import(ENGINE);

// Every comparison: a name, the document text, and the role as the CLI's options know it.
const comparisons = [];
const skipped = [];
for (const fixture of JSON.parse(fs.readFileSync(CASES, 'utf8'))) {
  if (fixture.role.tag_keys?.length) {
    skipped.push(fixture.name);
    continue;
  }
  comparisons.push({
    name: `cases.json: ${fixture.name}`,
    // A string is the document's text (percent-encoded, malformed, …); an object is serialised.
    policy: typeof fixture.policy === 'string' ? fixture.policy : JSON.stringify(fixture.policy),
    roleArn: fixture.role.arn,
    functions: fixture.role.functions ?? [],
    params: fixture.params,
  });
}
for (const file of fs.readdirSync(POLICIES).sort()) {
  const policy = fs.readFileSync(path.join(POLICIES, file), 'utf8');
  comparisons.push({ name: `policies/${file}`, policy, functions: [] });
  // And as a Lambda role's trust, with the role and a function known.
  comparisons.push({
    name: `policies/${file} (Lambda role)`,
    policy,
    roleArn: 'arn:aws:iam::111122223333:role/orders-consumer',
    functions: ['arn:aws:lambda:eu-west-1:111122223333:function:orders-consumer'],
  });
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'trustcheck-differential-'));
const mismatches = [];
try {
  for (const [i, c] of comparisons.entries()) {
    const file = path.join(scratch, `${i}.json`);
    fs.writeFileSync(file, c.policy);
    const args = ['policy', '--format', 'json'];
    if (c.roleArn) args.push('--role-arn', c.roleArn);
    for (const f of c.functions) args.push('--lambda-function', f);
    if (c.params) args.push('--params', JSON.stringify(c.params));
    args.push(file);
    const cli = spawnSync(CLI, args, { encoding: 'utf8' });
    // Exit 1 is NON_COMPLIANT, a verdict like any other; 2 (or a signal) is a usage error.
    if (cli.status !== 0 && cli.status !== 1) {
      mismatches.push({ name: c.name, detail: `the CLI failed (status ${cli.status}): ${cli.stderr.trim()}` });
      continue;
    }
    const native = cli.stdout.endsWith('\n') ? cli.stdout.slice(0, -1) : cli.stdout; // the CLI's one newline
    const wasm = await respond(request(c.policy, { roleArn: c.roleArn, functions: c.functions, params: c.params }));
    if (wasm !== native) mismatches.push({ name: c.name, detail: firstDifference(native, wasm) });
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

function firstDifference(native, wasm) {
  const a = native.split('\n');
  const b = wasm.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `first difference at line ${at + 1}:\n    CLI:  ${a[at] ?? '(end)'}\n    wasm: ${b[at] ?? '(end)'}`;
}

console.log(`differential: ${comparisons.length} policies compared, wasm against ${path.relative(ROOT, CLI)}`);
if (skipped.length) {
  console.log(
    `differential: ${skipped.length} skipped (the role has tag_keys, which trustcheck policy has no option for): ${skipped.join(', ')}`,
  );
}
for (const m of mismatches.slice(0, 5)) console.log(`MISMATCH ${m.name}: ${m.detail}`);
if (mismatches.length > 5) console.log(`… and ${mismatches.length - 5} more`);
if (mismatches.length) {
  console.log('(both sides must be built from the same sources: `make sandbox-test` rebuilds the wasm and the CLI)');
}
console.log(`differential: ${comparisons.length - mismatches.length} passed, ${mismatches.length} failed, ${skipped.length} skipped`);
process.exit(mismatches.length ? 1 : 0);
