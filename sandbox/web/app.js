// The sandbox page: reads the inputs, asks the engine (engine.js) as you type, and shows the
// verdict, the findings, the annotation and the suggested policy as a diff, redacted on request.

import { check, ENGINE, EngineFailure } from './engine.js';
import { EXAMPLES } from './examples.js';
import { Redactor, percentDecoded } from './redact.js';
import { lineDiff } from './diff.js';

const $ = (id) => document.getElementById(id);
const ui = {
  policy: $('policy'),
  gutter: $('gutter'),
  functions: $('functions'),
  account: $('account'),
  role: $('role'),
  redact: $('redact'),
  verdict: $('verdict'),
  requestError: $('request-error'),
  report: $('report'),
  annotation: $('annotation'),
  notes: $('notes'),
  findings: $('findings'),
  fix: $('fix'),
  beforeApplying: $('before-applying'),
  diff: $('diff'),
  copy: $('copy'),
  apply: $('apply'),
  copyStatus: $('copy-status'),
  mapping: $('mapping'),
  mappingRows: $('mapping-rows'),
};

// The engine's {error, field} names the input that is wrong: its message goes next to it.
const FIELDS = {
  functions: [ui.functions, $('functions-error'), 'function ARNs'],
  account_id: [ui.account, $('account-error'), 'account id'],
  role_arn: [ui.role, $('role-error'), 'role ARN'],
};

const redactor = new Redactor();
let latest = 0; // the newest evaluation; an older answer that arrives late is dropped
let shown = null; // what is on screen: {report, policy}, kept to re-render when Redact changes
let suggestedText = ''; // the suggested policy, pretty-printed, real values

/** What the page shows of a text: itself, or redacted when the switch is on. */
const visible = (text) => (ui.redact.checked ? redactor.apply(text) : text);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function functionArns() {
  return ui.functions.value.split('\n').map((line) => line.trim()).filter(Boolean);
}

/**
 * A policy as the diff shows it: pretty-printed JSON when it parses, decoded as the engine decodes
 * it; else as the engine read it (decoded, so that redaction finds its names between the
 * characters it is written with, not after a `%2F`).
 */
function pretty(text) {
  const decoded = percentDecoded(text);
  try {
    return JSON.stringify(JSON.parse(decoded), null, 2);
  } catch {
    return decoded;
  }
}

// --- the editor's line numbers ---------------------------------------------------------------

function updateGutter() {
  const lines = ui.policy.value.split('\n').length;
  if (ui.gutter.dataset.lines !== String(lines)) {
    ui.gutter.dataset.lines = String(lines);
    ui.gutter.textContent = Array.from({ length: lines }, (_, i) => i + 1).join('\n');
  }
  ui.gutter.scrollTop = ui.policy.scrollTop;
}

// --- evaluation ------------------------------------------------------------------------------

let timer = 0;
function evaluateSoon() {
  clearTimeout(timer);
  timer = setTimeout(evaluate, 150); // debounced: one evaluation per pause in typing
}

async function evaluate() {
  clearTimeout(timer);
  const id = ++latest;
  const policy = ui.policy.value;
  const options = { functions: functionArns(), accountId: ui.account.value.trim(), roleArn: ui.role.value.trim() };
  if (policy.trim() === '') {
    shown = null;
    renderEmpty();
    return;
  }
  let report;
  try {
    // Everything the inputs name is learned now, so placeholders number in reading order. Inside
    // the try: what can't be learned is a failure shown, never the previous verdict left standing.
    redactor.learn(policy, { policy: true });
    redactor.learn(options.functions.join('\n'));
    redactor.learn(`${options.accountId}\n${options.roleArn}`);
    report = await check(policy, options);
    // The engine's reading of the policy, where the page's may differ: its external ids too.
    if (report.suggested_policy) redactor.learn(JSON.stringify(report.suggested_policy), { policy: true });
  } catch (error) {
    if (id !== latest) return;
    shown = null;
    renderFailure(error);
    return;
  }
  if (id !== latest) return;
  shown = { report, policy };
  render();
}

// --- rendering -------------------------------------------------------------------------------

function setVerdict(text, state) {
  // Only a change is written: the live region announces changes, not every keystroke.
  if (ui.verdict.textContent !== text) ui.verdict.textContent = text;
  ui.verdict.className = `verdict ${state}`;
}

function clearErrors() {
  for (const [input, message] of Object.values(FIELDS)) {
    input.removeAttribute('aria-invalid');
    message.hidden = true;
    message.textContent = '';
  }
  ui.requestError.hidden = true;
}

function renderEmpty() {
  clearErrors();
  setVerdict('Paste a trust policy or pick an example.', '');
  ui.report.hidden = true;
  renderMapping();
}

function renderFailure(error) {
  clearErrors();
  ui.report.hidden = true;
  if (error instanceof EngineFailure) {
    setVerdict('The engine failed on this input (a defect in trustcheck, not in your policy). The Config rule reports it as EVALUATION_FAILED.', 'failed');
  } else {
    setVerdict(`The engine could not run: ${error.message}`, 'failed');
  }
  renderMapping();
}

function render() {
  clearErrors();
  const { report, policy } = shown;
  if (report.error) {
    // A malformed input: say so next to it.
    const [input, message, name] = FIELDS[report.field] ?? [null, ui.requestError, null];
    if (input) input.setAttribute('aria-invalid', 'true');
    message.textContent = visible(report.error);
    message.hidden = false;
    setVerdict(name ? `No verdict: the ${name} field has an error.` : `No verdict: ${visible(report.error)}`, '');
    ui.report.hidden = true;
    renderMapping();
    return;
  }

  const count = report.findings.length;
  setVerdict(`${report.compliance}: ${count === 0 ? 'no findings' : count === 1 ? '1 finding' : `${count} findings`}`, report.compliance);
  ui.annotation.textContent = visible(report.annotation);
  // What the verdict leaves unjudged (no account given): said beside it.
  ui.notes.textContent = (report.notes ?? []).map(visible).join(' ');
  ui.notes.hidden = !report.notes?.length;

  ui.findings.replaceChildren(
    ...report.findings.map((finding) => {
      const item = el('li');
      item.dataset.finding = finding.id;
      const head = el('div');
      head.append(el('span', `severity ${finding.severity}`, finding.severity), el('span', 'finding-id', finding.id));
      if (finding.statement !== null && finding.statement !== undefined) {
        head.append(el('span', 'hint', ` statement ${finding.statement}`));
      }
      const fix = el('p');
      fix.append(el('strong', '', 'Fix: '), visible(finding.fix));
      item.append(head, el('p', '', visible(finding.message)), fix);
      return item;
    }),
  );
  if (count === 0) ui.findings.replaceChildren(el('li', '', 'None: nothing to fix.'));

  // suggested_policy is the document itself (null when nothing needs fixing).
  const suggested = report.suggested_policy;
  ui.fix.hidden = !suggested;
  suggestedText = suggested ? JSON.stringify(suggested, null, 2) : '';
  // What to do first, or something that uses the role today stops.
  ui.beforeApplying.replaceChildren(
    ...(report.before_applying ?? []).map((step) => el('li', '', `Before applying it: ${visible(step)}`)),
  );
  if (suggested) {
    const lines = lineDiff(pretty(policy).split('\n'), suggestedText.split('\n'));
    ui.diff.replaceChildren(
      ...lines.map(({ op, text }) => el('span', op === '+' ? 'add' : op === '-' ? 'del' : '', `${op} ${visible(text)}`)),
    );
  }
  ui.report.hidden = false;
  renderMapping();
}

function renderMapping() {
  const rows = redactor.mapping();
  // Shown only while redacting; closed by default, so a screenshot shows no real value.
  ui.mapping.hidden = !ui.redact.checked || rows.length === 0;
  ui.mappingRows.replaceChildren(
    ...rows.map((cells) => {
      const row = el('tr');
      row.append(...cells.map((cell) => el('td', '', cell)));
      return row;
    }),
  );
}

// --- copy and apply ------------------------------------------------------------------------

async function copySuggested() {
  const text = visible(suggestedText);
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    // No Clipboard API (an insecure origin, an old browser, permission refused): the old way.
    const scratch = el('textarea');
    scratch.value = text;
    scratch.setAttribute('readonly', '');
    scratch.className = 'offscreen';
    document.body.append(scratch);
    scratch.select();
    copied = document.execCommand('copy');
    scratch.remove();
    ui.copy.focus();
  }
  ui.copyStatus.textContent = copied
    ? `Copied${ui.redact.checked ? ' (redacted)' : ''}.`
    : 'Could not copy: select the policy in the diff and copy it by hand.';
}

function applySuggested() {
  ui.policy.value = suggestedText;
  updateGutter();
  ui.copyStatus.textContent = '';
  evaluate();
  ui.policy.focus();
}

// --- examples and events ---------------------------------------------------------------------

function loadExample(example) {
  ui.policy.value = example.policy;
  ui.functions.value = example.functions.join('\n');
  ui.account.value = example.accountId ?? '';
  ui.role.value = example.roleArn ?? '';
  ui.policy.scrollTop = 0;
  updateGutter();
  ui.copyStatus.textContent = '';
  evaluate();
}

$('examples').append(
  ...EXAMPLES.map((example) => {
    const button = el('button', '', example.title);
    button.type = 'button';
    button.dataset.example = example.id;
    button.title = `Load the example: ${example.finding}`;
    button.addEventListener('click', () => loadExample(example));
    return button;
  }),
);

ui.policy.addEventListener('input', () => {
  updateGutter();
  evaluateSoon();
});
ui.policy.addEventListener('scroll', updateGutter);
for (const input of [ui.functions, ui.account, ui.role]) input.addEventListener('input', evaluateSoon);
ui.redact.addEventListener('change', () => {
  ui.copyStatus.textContent = '';
  if (shown) render();
  else renderMapping();
});
ui.copy.addEventListener('click', copySuggested);
ui.apply.addEventListener('click', applySuggested);

$('engine').textContent =
  `engine ${ENGINE.version}, ${Math.round(ENGINE.wasmBytes / 1024)} KB of WebAssembly, ` +
  `${Math.round(ENGINE.wasmGzipBytes / 1024)} KB gzipped`;

updateGutter();
document.body.dataset.ready = 'true'; // for the browser test: the page's script has run
