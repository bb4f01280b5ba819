// Vector-string parsing shared by the CVSS v2, v3.x and v4.0 scorers.

export class CvssError extends Error {
  override name = 'CvssError';
}

export type MetricValues = Readonly<Record<string, readonly string[]>>;
export type Metrics = ReadonlyMap<string, string>;

/** Splits `K:V/K:V/...`, rejecting unknown metrics, unknown values, duplicates and missing base metrics. */
export function parseMetrics(body: string, allowed: MetricValues, required: readonly string[]): Metrics {
  const metrics = new Map<string, string>();
  for (const part of body.split('/')) {
    const [key, value, ...rest] = part.split(':');
    if (!key || value === undefined || rest.length) throw new CvssError(`malformed metric '${part}'`);
    if (!Object.hasOwn(allowed, key)) throw new CvssError(`unknown metric '${key}'`);
    if (metrics.has(key)) throw new CvssError(`metric '${key}' given twice`);
    if (!allowed[key].includes(value)) throw new CvssError(`invalid value '${value}' for metric '${key}'`);
    metrics.set(key, value);
  }
  const missing = required.filter((key) => !metrics.has(key));
  if (missing.length) throw new CvssError(`missing base metric(s) ${missing.join(', ')}`);
  return metrics;
}

export function metricValues(keys: readonly string[], values: readonly string[]): Record<string, readonly string[]> {
  return Object.fromEntries(keys.map((key) => [key, values]));
}
