// The rule engine, compiled to WebAssembly, behind two calls. The same crate as the Config rule
// and the CLI: `respond` answers exactly what `trustcheck policy --format json` prints.
//
// The boundary (sandbox/src/lib.rs): tc_alloc(len) -> ptr, tc_evaluate(ptr, len) -> response
// length (it frees the request), tc_output_ptr() -> where the response is. No imports.
//
// Works in the browser and in node (the differential test imports this very file).

import { ENGINE, WASM_GZIP_BASE64 } from './engine-wasm.js';

export { ENGINE };

/** The engine trapped (a defect in the engine, never the input's fault). */
export class EngineFailure extends Error {}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The module as bundle.py shipped it: gzip-compressed, in base64 (see bundle.py for why),
// inflated by the platform's own DecompressionStream (browsers, node 18 and later).
function wasmBytes() {
  const packed = Uint8Array.from(atob(WASM_GZIP_BASE64), (c) => c.charCodeAt(0));
  const inflated = new Blob([packed]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(inflated).arrayBuffer();
}

// Compiled once, asynchronously: browsers refuse synchronous compiles of a module this size on
// the main thread.
let compiled = null;
let instance = null;

// Both are promises; `instance` is the one `respond` compares to know whether it is still current.
function engineInstance() {
  compiled ??= wasmBytes().then((bytes) => WebAssembly.compile(bytes));
  instance ??= compiled.then((module) => WebAssembly.instantiate(module, {}));
  return instance;
}

/**
 * Sends one request object to the engine and returns its response text, untouched: the report
 * (`{"compliance", "annotation", "findings", "suggested_policy"}`, and `notes` when the role's
 * account is unknown) or `{"error", "field"}`.
 */
export async function respond(request) {
  const current = engineInstance();
  const { exports } = await current;
  const input = encoder.encode(JSON.stringify(request));
  try {
    const ptr = exports.tc_alloc(input.length);
    // Views are made after each call into the engine: a call may grow (and so replace) memory.
    new Uint8Array(exports.memory.buffer, ptr, input.length).set(input);
    const len = exports.tc_evaluate(ptr, input.length);
    return decoder.decode(new Uint8Array(exports.memory.buffer, exports.tc_output_ptr(), len));
  } catch (error) {
    // A panic aborts (profile wasm: panic = "abort"), which traps this instance for good: the next
    // request gets a fresh one.
    if (instance === current) instance = null;
    if (error instanceof WebAssembly.RuntimeError) {
      throw new EngineFailure(`the engine failed on this input (${error.message})`);
    }
    throw error;
  }
}

/** The request the engine reads, from the page's inputs (empty ones left out). */
export function request(policy, { accountId, roleArn, functions, params } = {}) {
  // The page's clock: WebAssembly has none, and time conditions are judged against it.
  const req = { policy, now: Math.floor(Date.now() / 1000) };
  if (accountId) req.account_id = accountId;
  if (roleArn) req.role_arn = roleArn;
  if (functions && functions.length) req.functions = functions;
  if (params) req.params = params;
  return req;
}

/**
 * Evaluates a trust policy. Resolves to the report, or to `{error, field}` when an input is
 * malformed; rejects with EngineFailure when the engine itself fails.
 */
export async function check(policy, options = {}) {
  return JSON.parse(await respond(request(policy, options)));
}

/**
 * The least-privilege policy that fixes every finding (the document itself, as the CLI's
 * `suggested_policy`), or null: nothing to fix, or an input is malformed.
 */
export async function suggestedPolicy(policy, options = {}) {
  const report = await check(policy, options);
  return report.suggested_policy ?? null;
}
