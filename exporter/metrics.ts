// Metric families as plain data, and their Prometheus text exposition (version 0.0.4).
//
// Collectors return families; the scrape renders them in one pass. We render ourselves
// instead of going through prom-client's Gauge/Counter objects because a scrape rebuilds
// every series from scratch (tens of thousands at 1,000 domains): hashing each label set
// into a prom-client metric only to serialise it again would double the work. prom-client
// still serves the exporter's own process metrics (see server.ts).

export type MetricType = 'gauge' | 'counter';
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** Small builder so collectors read as "family(...).add(labels, value)". */
export class FamilyBuilder {
  private readonly byName = new Map<string, MetricFamily>();

  family(name: string, type: MetricType, help: string): (labels: Labels, value: number | undefined) => void {
    let fam = this.byName.get(name);
    if (!fam) {
      fam = { name, type, help, samples: [] };
      this.byName.set(name, fam);
    }
    const samples = fam.samples;
    return (labels, value) => {
      // Absent stats stay absent: a missing value is not a zero.
      if (value === undefined || Number.isNaN(value)) return;
      samples.push({ labels, value });
    };
  }

  /** Families that received at least one sample. */
  build(): MetricFamily[] {
    return [...this.byName.values()].filter((f) => f.samples.length > 0);
  }
}

/** Merges families with the same name (e.g. one per host) keeping the first help/type. */
export function mergeFamilies(lists: readonly MetricFamily[][]): MetricFamily[] {
  const out = new Map<string, MetricFamily>();
  for (const list of lists) {
    for (const f of list) {
      const have = out.get(f.name);
      if (have) {
        for (const s of f.samples) have.samples.push(s);
      } else out.set(f.name, { ...f, samples: [...f.samples] });
    }
  }
  return [...out.values()];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatLabelsUncached(labels: Labels): string {
  let s = '';
  for (const k in labels) s += `${s === '' ? '{' : ','}${k}="${escapeLabel(labels[k])}"`;
  return s === '' ? '' : `${s}}`;
}

// Label text of frozen labels objects (collectors share one per VM: collectors/types.ts
// vmLabels), formatted once however many series carry them. Weak: gone with the scrape.
const labelText = new WeakMap<Labels, string>();

function formatLabels(labels: Labels): string {
  if (!Object.isFrozen(labels)) return formatLabelsUncached(labels);
  let text = labelText.get(labels);
  if (text === undefined) {
    text = formatLabelsUncached(labels);
    labelText.set(labels, text);
  }
  return text;
}

/** Text exposition of `families`, sorted by family name (stable output for golden files). */
export function renderFamilies(families: readonly MetricFamily[]): string {
  // One string built by appending: V8 keeps it as a rope and flattens it once at the end,
  // instead of a string per line plus an array of them (a scrape renders thousands of lines).
  let out = '';
  const sorted = [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of sorted) {
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += f.name + formatLabels(s.labels) + ' ' + formatValue(s.value) + '\n';
  }
  return out;
}
