/**
 * Detector URLs may carry `${ENV}` secrets (expanded at load): credentials in the userinfo, tokens in
 * the query string. What viewers see (the API) and what is announced (run messages → alert summaries
 * → Slack) shows the URL with those replaced by `***`; only the check itself uses the real one.
 */
export const HIDDEN = '***';

export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL (the schema allows only http(s) URLs, so this is defensive): show nothing of it.
    return HIDDEN;
  }
  if (url.username) url.username = HIDDEN;
  if (url.password) url.password = HIDDEN;
  if (url.search) {
    const names = [...url.searchParams.keys()];
    url.search = '';
    for (const name of names) url.searchParams.append(name, HIDDEN);
  }
  return url.toString();
}

/**
 * `text` (a library's error message, say) with `url` and its secret parts hidden wherever they
 * appear: the URL as written and as normalised, then its credentials and query values (those of at
 * least 3 characters, so that a `page=1` does not blank every "1" of the message).
 */
export function scrubUrl(text: string, url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const forms = [url, parsed?.href].filter((form): form is string => !!form);
  let scrubbed = forms.reduce((result, form) => result.split(form).join(redactUrl(url)), text);
  const pieces = parsed
    ? [parsed.username, parsed.password, ...parsed.searchParams.values()].flatMap((piece) => [piece, safeDecode(piece)])
    : [];
  for (const piece of new Set(pieces)) if (piece.length >= 3) scrubbed = scrubbed.split(piece).join(HIDDEN);
  return scrubbed;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
