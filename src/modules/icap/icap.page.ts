const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface BlockPage {
  /** One sentence: why the request was stopped. */
  reason: string;
  destination: string;
  /** The egress event id: what the analyst looks up. */
  reference: string;
  at: string;
}

/**
 * The page a person sees in place of the site: what was stopped, why in plain words, and the
 * reference to quote to the security team. It never repeats the data that was found.
 */
export function renderBlockPage(page: BlockPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Blocked: ${escape(page.destination)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #1f2933; }
h1 { font-size: 1.4rem; color: #b42318; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { font-weight: 600; }
code { background: #f2f4f7; padding: .1rem .3rem; border-radius: 3px; }
</style>
</head>
<body>
<h1>This request was blocked by your organisation's data protection policy</h1>
<p>${escape(page.reason)}</p>
<dl>
<dt>Destination</dt><dd>${escape(page.destination)}</dd>
<dt>Time</dt><dd>${escape(page.at)}</dd>
<dt>Reference</dt><dd><code>${escape(page.reference)}</code></dd>
</dl>
<p>Nothing was sent to the destination. If you need this to work, contact your security team and quote the reference above.</p>
</body>
</html>
`;
}
