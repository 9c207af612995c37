// Redaction: stable placeholders for what identifies an account, so that a screenshot or a ticket
// leaks nothing. Account ids become ACCOUNT-n, the names in ARNs name-n, sts:ExternalId values
// EXTERNAL-ID-n, principal ids (AROA…, AIDA…) PRINCIPAL-ID-n. The same value always gets the same
// placeholder while the page is open; the mapping lives only in this page.

const ACCOUNT = /(?<![0-9])[0-9]{12}(?![0-9])/g;
const PRINCIPAL_ID = /\b(?:AROA|AIDA|AGPA|ANPA|ASIA|AKIA)[A-Z0-9]{12,}\b/g;
// arn:partition:service:region:account:resource; the resource runs to a quote, space or bracket.
const ARN = /arn:[a-z*-]+:[a-z0-9*-]+:[a-z0-9*-]*:[0-9*]*:([^\s"'`,;<>()[\]{}]+)/g;
// What can't stand right next to a value that is replaced: letters, digits, _+=@-. IAM names may
// also hold "," and ".", but a message puts them after a name ("…:function:orders, which …"); so
// "orders" in "orders.v2" is replaced too: more is hidden rather than less.
const NAME_CHAR = '[A-Za-z0-9_+=@-]';

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Redactor {
  constructor() {
    this.placeholders = new Map(); // real value -> placeholder
    this.counts = { ACCOUNT: 0, name: 0, 'EXTERNAL-ID': 0, 'PRINCIPAL-ID': 0 };
    this.kinds = new Map(); // placeholder -> kind, for the mapping table
    this.pattern = null; // the literal values to replace, rebuilt when one is added
  }

  /** Registers what in `text` identifies someone; `policy` marks a policy text (external ids). */
  learn(text, { policy = false } = {}) {
    if (!text) return;
    for (const [account] of text.matchAll(ACCOUNT)) this.add(account, 'ACCOUNT', 'account id');
    for (const [id] of text.matchAll(PRINCIPAL_ID)) this.add(id, 'PRINCIPAL-ID', 'principal id');
    for (const [, resource] of text.matchAll(ARN)) {
      for (const name of arnNames(resource)) this.add(name, 'name', 'name in an ARN');
    }
    if (policy) for (const id of externalIds(text)) this.add(id, 'EXTERNAL-ID', 'sts:ExternalId');
  }

  add(value, prefix, kind) {
    if (this.placeholders.has(value)) return;
    const placeholder = `${prefix}-${++this.counts[prefix]}`;
    this.placeholders.set(value, placeholder);
    this.kinds.set(placeholder, kind);
    this.pattern = null;
  }

  /** `text` with every learned value (and any account id) replaced by its placeholder. */
  apply(text) {
    if (!text) return text;
    this.learn(text); // ids and ARNs the engine wrote (in a fix, say) that the inputs didn't have
    if (this.placeholders.size === 0) return text;
    if (!this.pattern) {
      // One pass over the text with every value, longest first, each as a whole token: "orders"
      // doesn't eat into "orders-v2", and a placeholder is never replaced again.
      const values = [...this.placeholders.keys()].sort((a, b) => b.length - a.length);
      const alternatives = values.map(escapeRegExp).join('|');
      this.pattern = new RegExp(`(?<!${NAME_CHAR})(?:${alternatives})(?!${NAME_CHAR})`, 'g');
    }
    return text.replace(this.pattern, (value) => this.placeholders.get(value) ?? value);
  }

  /** [placeholder, real value, kind] for the mapping table. */
  mapping() {
    return [...this.placeholders].map(([value, placeholder]) => [placeholder, value, this.kinds.get(placeholder)]);
  }
}

/** The names in an ARN's resource: role/path/NAME, function:NAME:qualifier, a bucket, … */
function arnNames(resource) {
  // An account's root and an OIDC provider's host name no one; the host is public and the finding
  // needs it to be read.
  if (resource === 'root' || resource.startsWith('oidc-provider/')) return [];
  const parts = resource.split(/[/:]/);
  // The first part is the resource type (role, function, …) when more follow; a bucket has none.
  const names = parts.length > 1 ? parts.slice(1) : parts;
  // Not a name: empty parts, pure wildcards, and a sentence's full stop after an ARN in a message.
  return names.map((name) => name.replace(/\.+$/, '')).filter((name) => /[^*?]/.test(name));
}

/** The values of sts:ExternalId conditions in a policy text (JSON, percent-encoded or not). */
function externalIds(text) {
  let policy = null;
  for (const candidate of [text, safeDecode(text)]) {
    try {
      policy = JSON.parse(candidate);
      break;
    } catch {
      // not JSON: try the next form, then fall back to the text itself
    }
  }
  const ids = [];
  if (policy !== null) {
    (function walk(node) {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key.toLowerCase() === 'sts:externalid') ids.push(...[value].flat().filter((v) => typeof v === 'string'));
        else walk(value);
      }
    })(policy);
  } else {
    // Unreadable JSON (mid-edit): the quoted values after the key.
    for (const [, values] of text.matchAll(/"sts:ExternalId"\s*:\s*(\[[^\]]*\]|"[^"]*")/gi)) {
      for (const [, value] of values.matchAll(/"([^"]*)"/g)) ids.push(value);
    }
  }
  return ids.filter((id) => id !== '');
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
