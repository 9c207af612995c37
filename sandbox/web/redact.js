// Redaction: stable placeholders for what identifies an account, so that a screenshot or a ticket
// leaks none of it. Account ids become ACCOUNT-n (wherever they stand, a Sid's "Trust111122223333"
// too), the names in ARNs name-n, sts:ExternalId values EXTERNAL-ID-n, principal ids (AROA…,
// AIDA…) PRINCIPAL-ID-n, organization and OU ids ORG-n. The same value always gets the same
// placeholder while the page is open; the mapping lives only in this page. Not redacted: what a
// condition matches that is none of these (an OIDC subject's repository or service account, an IP
// range, a VPC id).

const ACCOUNT = /(?<![0-9])[0-9]{12}(?![0-9])/g;
// An account id with a wildcard in it (`44445555666?`, `4444555566*`): most of an account, all
// the same. Ten digits at least: a repository id's prefix (`7654321*`) is no account.
const WILDCARD_ACCOUNT = /(?<![0-9A-Za-z*?])(?=[0-9]*[*?])(?=(?:[*?]*[0-9]){10})[0-9*?]{10,12}(?![0-9A-Za-z*?])/g;
const PRINCIPAL_ID = /\b(?:AROA|AIDA|AGPA|ANPA|ASIA|AKIA)[A-Z0-9]{12,}\b/g;
const ORGANIZATION = /\b(?:o-[a-z0-9]{10,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})\b/g;
// arn:partition:service:region:account:resource, with ArnLike's wildcards anywhere; the resource
// runs to a quote, space or bracket.
const ARN = /arn:[a-z*?-]+:([a-z0-9*?-]+):[a-z0-9*?-]*:([0-9*?]*):([^\s"'`,;<>()[\]{}]+)/g;
// What can't stand right next to a name that is replaced: letters, digits, _+=@-. IAM names may
// also hold "," and ".", but a message puts them after a name ("…:function:orders, which …"); so
// "orders" in "orders.v2" is replaced too: more is hidden rather than less. A service principal's
// first label ("lambda" of lambda.amazonaws.com) is never a name.
const NAME_CHAR = '[A-Za-z0-9_+=@-]';
const NOT_A_SERVICE = '(?!\\.amazonaws\\.)';
// Nor an action's or a condition key's name (`sts:AssumeRole`, `aws:SourceArn`): a role named
// `AssumeRole` would rewrite them.
const NOT_AN_ACTION_OR_KEY = '(?<!\\b(?:sts|aws|iam|lambda|saml|cognito-identity\\.amazonaws\\.com):)';

// The first part of an ARN's resource that is its type (role/…, function:…), not a name. Any other
// first part is a name: an S3 bucket, an API id.
const RESOURCE_TYPES = new Set([
  'role', 'user', 'group', 'policy', 'instance-profile', 'assumed-role', 'federated-user', 'saml-provider',
  'oidc-provider', 'server-certificate', 'mfa', 'function', 'layer', 'event-source-mapping', 'rule', 'event-bus',
  'table', 'stream', 'log-group', 'key', 'alias', 'secret', 'parameter', 'repository', 'cluster', 'service', 'task',
  'task-definition', 'container-instance', 'stateMachine', 'execution', 'activity', 'db', 'snapshot', 'instance',
  'volume', 'vpc', 'subnet', 'security-group', 'distribution', 'certificate', 'project', 'pipeline', 'job',
  'workgroup', 'catalog', 'database', 'userpool', 'identitypool', 'application', 'environment', 'domain', 'model',
  'endpoint', 'alarm', 'dashboard', 'hostedzone', 'image', 'connection', 'queue', 'topic', 'bucket', 'restapis',
  'apis', 'webacl', 'natgateway', 'internet-gateway', 'network-interface', 'vpc-endpoint', 'launch-template',
]);
// Words of a policy and of the engine's texts: a function or role named so is not told apart by
// them, and replaced they would rewrite the policy ("Effect": "name-1").
const NOT_NAMES = new Set([
  'allow', 'deny', 'effect', 'principal', 'notprincipal', 'action', 'notaction', 'resource', 'notresource',
  'condition', 'statement', 'version', 'sid', 'aws', 'service', 'federated', 'canonicaluser', 'root', 'role',
  'function', 'user', 'group', 'lambda', 'sts', 'iam', 'true', 'false', 'null', '$latest', 'id',
]);
// Hosts of public identity providers: the same for every customer, and the finding needs them read.
const PUBLIC_ISSUER =
  /^(?:token\.actions\.githubusercontent\.com|accounts\.google\.com|cognito-identity\.amazonaws\.com|graph\.facebook\.com|www\.amazon\.com|app\.terraform\.io|gitlab\.com|oidc\.circleci\.com|api\.bitbucket\.org|sts\.windows\.net|login\.microsoftonline\.com|oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?)$/i;

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isAccount = (placeholder) => placeholder.startsWith('ACCOUNT-');

export class Redactor {
  constructor() {
    this.placeholders = new Map(); // real value -> placeholder
    this.counts = { ACCOUNT: 0, name: 0, 'EXTERNAL-ID': 0, 'PRINCIPAL-ID': 0, ORG: 0 };
    this.kinds = new Map(); // placeholder -> kind, for the mapping table
    this.patterns = null; // the literal values to replace, rebuilt when one is added
  }

  /** Registers what in `text` identifies someone; `policy` marks a policy text (external ids). */
  learn(text, { policy = false } = {}) {
    if (!text) return;
    for (const [account] of text.matchAll(ACCOUNT)) this.add(account, 'ACCOUNT', 'account id');
    for (const [account] of text.matchAll(WILDCARD_ACCOUNT)) this.add(account, 'ACCOUNT', 'account id');
    for (const [id] of text.matchAll(PRINCIPAL_ID)) this.add(id, 'PRINCIPAL-ID', 'principal id');
    for (const [id] of text.matchAll(ORGANIZATION)) this.add(id, 'ORG', 'organization or OU id');
    for (const [, service, account, resource] of text.matchAll(ARN)) {
      // An account field with a wildcard (`44445555666*`) still shows most of the account.
      if (/[0-9]/.test(account) && /[*?]/.test(account)) this.add(account, 'ACCOUNT', 'account id');
      for (const name of arnNames(service, resource)) this.add(name, 'name', 'name in an ARN');
    }
    if (policy) for (const id of externalIds(text)) this.add(id, 'EXTERNAL-ID', 'sts:ExternalId');
  }

  add(value, prefix, kind) {
    if (this.placeholders.has(value)) return;
    const placeholder = `${prefix}-${++this.counts[prefix]}`;
    this.placeholders.set(value, placeholder);
    this.kinds.set(placeholder, kind);
    this.patterns = null;
  }

  /** `text` with every learned value (and any account id) replaced by its placeholder. */
  apply(text) {
    if (!text) return text;
    this.learn(text); // ids and ARNs the engine wrote (in a fix, say) that the inputs didn't have
    if (this.placeholders.size === 0) return text;
    if (!this.patterns) {
      // One pass over the text per kind with every value, longest first, each as a whole token:
      // "orders" doesn't eat into "orders-v2", and a placeholder is never replaced again. An
      // account id is whole between any characters but digits ("Trust111122223333").
      const pattern = (values, before, after) => {
        if (values.length === 0) return null;
        const alternatives = values.sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
        return new RegExp(`${before}(?:${alternatives})${after}`, 'g');
      };
      const entries = [...this.placeholders];
      this.patterns = [
        pattern(entries.filter(([, p]) => !isAccount(p)).map(([v]) => v), `(?<!${NAME_CHAR})${NOT_AN_ACTION_OR_KEY}`, `(?!${NAME_CHAR})${NOT_A_SERVICE}`),
        pattern(entries.filter(([, p]) => isAccount(p)).map(([v]) => v), '(?<![0-9])', '(?![0-9])'),
      ].filter(Boolean);
    }
    const out = this.patterns.reduce((t, pattern) => t.replace(pattern, (value) => this.placeholders.get(value) ?? value), text);
    // A text cut short (the annotation, at 256 characters) may end inside a value, standing alone
    // or inside an ARN (after a `:` or `/`): its start would show. Four characters of an id at
    // least, six of a name: a word of the text cut there may start a name too ("princ…").
    return out.replace(/([^\s"'`,;()[\]{}:/=]+)…$/, (whole, cut) => {
      const starts = ([value, placeholder]) =>
        value.length > cut.length && value.startsWith(cut) && cut.length >= (placeholder.startsWith('name-') ? 6 : 4);
      const found = [...this.placeholders].find(starts);
      return found ? `${found[1]}…` : whole;
    });
  }

  /** [placeholder, real value, kind] for the mapping table. */
  mapping() {
    return [...this.placeholders].map(([value, placeholder]) => [placeholder, value, this.kinds.get(placeholder)]);
  }
}

/** The names in an ARN's resource: role/path/NAME, function:NAME, a bucket, a private issuer, … */
function arnNames(service, resource) {
  if (resource === 'root') return [];
  let parts = resource.split(/[/:]/);
  if (parts[0] === 'oidc-provider') {
    // A public provider's host names no one, and the finding needs it read; a private one's does
    // (an enterprise's own issuer), and so does what follows any host (an EKS cluster's id).
    const [, host, ...path] = parts;
    parts = PUBLIC_ISSUER.test(host ?? '') ? path : [host, ...path];
  } else if (parts.length > 1 && RESOURCE_TYPES.has(parts[0]) && service !== 's3') {
    parts = parts.slice(1);
  }
  // Not a name: empty parts, pure wildcards, a sentence's full stop after an ARN in a message, a
  // version qualifier (a number), the engine's fill-in markers, and the words of a policy.
  return parts
    .map((name) => name.replace(/\.+$/, ''))
    .filter((name) => /[^*?]/.test(name))
    .filter((name) => !/^[0-9]+$/.test(name) && !name.startsWith('REPLACE_WITH_'))
    .filter((name) => !NOT_NAMES.has(name.toLowerCase()));
}

/** The values of sts:ExternalId conditions in a policy text (JSON, percent-encoded or not). */
function externalIds(text) {
  let policy = null;
  for (const candidate of [text, percentDecoded(text)]) {
    try {
      policy = JSON.parse(candidate);
      break;
    } catch {
      // not JSON: try the next form, then fall back to the text itself
    }
  }
  const ids = [];
  if (policy !== null) {
    // By a stack, not recursion: a document nested thousands deep is JSON all the same.
    const stack = [policy];
    while (stack.length > 0) {
      const node = stack.pop();
      if (Array.isArray(node)) for (const item of node) stack.push(item);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key.toLowerCase() !== 'sts:externalid') stack.push(value);
          else {
            // A number or a boolean is an external id too (IAM takes it as text), and a value
            // shows escaped in the pretty-printed policy.
            for (const id of [value].flat().filter((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
              ids.push(String(id), JSON.stringify(String(id)).slice(1, -1));
            }
          }
        }
      }
    }
  } else {
    // Unreadable JSON (mid-edit): the quoted values after the key.
    for (const [, values] of text.matchAll(/"sts:ExternalId"\s*:\s*(\[[^\]]*\]|"[^"]*"|[0-9.]+)/gi)) {
      for (const [, quoted, bare] of values.matchAll(/"([^"]*)"|([0-9.]+)/g)) ids.push(quoted ?? bare);
    }
  }
  // Not the engine's marker in a suggested policy: an instruction, not an id.
  return [...new Set(ids)].filter((id) => id !== '' && !id.startsWith('REPLACE_WITH_'));
}

/**
 * The text as the engine reads it: percent-decoded unless it is a JSON object already or has no
 * `%`, a `%` without two hex digits after it kept as written (as the engine keeps it, where
 * `decodeURIComponent` gives up on the whole text). Itself when the bytes aren't UTF-8.
 */
export function percentDecoded(text) {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || !trimmed.includes('%')) return text;
  const input = new TextEncoder().encode(trimmed);
  const out = new Uint8Array(input.length);
  const hex = (byte) => {
    const c = String.fromCharCode(byte);
    return /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1;
  };
  let written = 0;
  for (let i = 0; i < input.length; i++) {
    const [high, low] = [hex(input[i + 1]), hex(input[i + 2])];
    if (input[i] === 0x25 && high >= 0 && low >= 0) {
      out[written++] = high * 16 + low;
      i += 2;
    } else {
      out[written++] = input[i];
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(out.subarray(0, written));
  } catch {
    return text;
  }
}
