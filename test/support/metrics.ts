/** A scrape of a server's /metrics: the value of each series, keyed as exposed (`name{label="v",…}`). */
export interface Scrape {
  text: string;
  /** The series' value, or undefined when it is not exposed. Labels in the order the server prints them. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every series of one metric name (label sets included). */
  series(name: string): string[];
}

export async function scrape(metricsUrl: string | undefined): Promise<Scrape> {
  if (!metricsUrl) throw new Error("the server has no metrics listener");
  const response = await fetch(metricsUrl);
  if (response.status !== 200) throw new Error(`metrics scrape answered ${response.status}`);
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return {
    text,
    value(name, labels) {
      const entries = Object.entries(labels ?? {});
      const key =
        entries.length === 0 ? name : `${name}{${entries.map(([k, v]) => `${k}="${v}"`).join(",")}}`;
      return values.get(key);
    },
    series(name) {
      return [...values.keys()].filter((key) => key === name || key.startsWith(`${name}{`));
    },
  };
}
