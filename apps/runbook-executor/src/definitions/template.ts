import Mustache from 'mustache';
import { excerptOf, RefusedError } from './refusal';
import type { SloScope } from './slo-scope';

/** What a template may refer to. Everything except `vars` comes from alerts, requests or step outputs: data, never code. */
export interface TemplateScope {
  alert: {
    name?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    severity?: string;
    fingerprint?: string;
    startsAt?: string;
  };
  context: Record<string, unknown>;
  params: Record<string, unknown>;
  steps: Record<string, { outcome: string; outputs: Record<string, unknown> }>;
  execution: { id: string; mode: string; runbookId: string; trigger: string };
  /** Operator-set values (FIREBREAK_RUNBOOK_VARS): trusted, inserted as written even in URLs. */
  vars: Record<string, string>;
  /** SLO states, set only while a step's `if:` that refers to `slo` is evaluated (see slo-scope.ts). */
  slo?: SloScope;
}

type Token = [string, string, number, number, Token[]?];

export function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function parseTemplate(template: string): Token[] {
  return Mustache.parse(template) as Token[];
}

function lookup(scope: TemplateScope, name: string): unknown {
  return new Mustache.Context(scope).lookup(name);
}

const isTrusted = (name: string) => name.startsWith('vars.');

/** Plain text (messages, bodies, argv entries, SQL parameters): values as they are; whoever displays them escapes. */
export function renderText(template: string, scope: TemplateScope): string {
  if (!template.includes('{{')) return template;
  return Mustache.render(template, scope, {}, { escape: stringify });
}

/** Renders the string leaves of a JSON value (request bodies, published data). */
export function renderValue(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') return renderText(value, scope);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, scope));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, scope)]));
  return value;
}

const AUTHORITY_PREFIX = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*$/i;
const HOST_VALUE = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::\d{1,5})?$/;

/**
 * A URL: a value in the host position must look like a host[:port] (it is then checked against
 * the allow-list); anywhere else it is percent-encoded, so it cannot add a path, a query or a
 * fragment of its own.
 */
export function renderUrl(template: string, scope: TemplateScope): string {
  let out = '';
  for (const token of parseTemplate(template)) {
    const [type, text] = token;
    if (type === 'text') out += text;
    else if (type === '!') continue;
    else if (type !== 'name') throw new RefusedError('url-template', `only {{ name }} tags may be used in a URL (found "${type}")`);
    else {
      const value = stringify(lookup(scope, text));
      if (isTrusted(text)) out += value;
      else if (AUTHORITY_PREFIX.test(out)) {
        if (!HOST_VALUE.test(value)) throw new RefusedError('url-host', `${text} = ${excerptOf(value)} is not a host name`);
        out += value;
      } else out += out.includes('?') ? encodeURIComponent(value) : pathSegment(text, value);
    }
  }
  return out;
}

/**
 * Percent-encoding keeps `.` as it is, and URL parsing collapses `.` and `..` path segments: a
 * label of `..` would climb out of the path the runbook wrote. Such values (and empty ones, which
 * leave `//`) are refused.
 */
function pathSegment(name: string, value: string): string {
  if (value === '' || /^\.+$/.test(value)) throw new RefusedError('url-path', `${name} = ${excerptOf(value)} cannot stand in a URL path`);
  return encodeURIComponent(value);
}

/** PromQL: inside a quoted string a value is escaped; outside one it must be a bare name or number. */
export function renderPromQL(template: string, scope: TemplateScope): string {
  let out = '';
  for (const token of parseTemplate(template)) {
    const [type, text] = token;
    if (type === 'text') out += text;
    else if (type === '!') continue;
    else if (type !== 'name') throw new RefusedError('promql-template', `only {{ name }} tags may be used in a query (found "${type}")`);
    else out += promqlValue(text, stringify(lookup(scope, text)), openQuote(out));
  }
  return out;
}

function promqlValue(name: string, value: string, quote: string | undefined): string {
  if (isTrusted(name)) return value;
  if (quote === '`') {
    if (value.includes('`')) throw new RefusedError('promql-value', `${name} = ${excerptOf(value)} cannot go inside a raw string`);
    return value;
  }
  if (quote) {
    return (
      value
        .replace(/\\/g, '\\\\')
        .replace(quote === '"' ? /"/g : /'/g, `\\${quote}`)
        .replace(/\n/g, '\\n')
        // eslint-disable-next-line no-control-regex -- control characters are what this strips
        .replace(/[\u0000-\u001f]/g, '')
    );
  }
  if (!/^[A-Za-z0-9_:.]+$/.test(value))
    throw new RefusedError('promql-value', `${name} = ${excerptOf(value)} is outside a quoted string and is not a plain name or number`);
  return value;
}

/** The quote character a PromQL prefix leaves open, if any. */
function openQuote(prefix: string): string | undefined {
  let quote: string | undefined;
  for (let i = 0; i < prefix.length; i++) {
    const char = prefix[i];
    if (quote) {
      if (char === '\\' && quote !== '`') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
  }
  return quote;
}

/** Load-time check of a template: parses, and for URLs and queries allows only plain tags. */
export function templateProblems(template: string, kind: 'text' | 'url' | 'promql'): string[] {
  let tokens: Token[];
  try {
    tokens = parseTemplate(template);
  } catch (error) {
    return [`template does not parse: ${(error as Error).message}`];
  }
  if (kind === 'text') return tokens.some((token) => token[0] === '>') ? ['partials ({{> name}}) are not supported'] : [];
  const bad = tokens.filter((token) => !['text', 'name', '!'].includes(token[0]));
  return bad.length ? [`only {{ name }} tags are allowed here ({{{ }}}, {{& }}, sections and partials would bypass escaping)`] : [];
}
