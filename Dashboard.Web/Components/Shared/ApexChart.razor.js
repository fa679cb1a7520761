// Wraps one ApexCharts instance (window.ApexCharts, loaded from the npm package apexcharts 4.7.0).

// Formatters cannot travel as JSON: a string value of a "formatter" key names one of these.
const formats = {
  fixed: (digits) => (v) => (typeof v === "number" ? v.toFixed(digits) : v),
  trim: (digits) => (v) => (typeof v === "number" ? String(Number(v.toFixed(digits))) : v),
  sig: (digits) => (v) => (typeof v === "number" ? String(Number(v.toPrecision(digits))) : v),
  percent: (digits) => (v) => (typeof v === "number" ? (v * 100).toFixed(digits) + " %" : v),
  sci: (digits) => (v) => (typeof v === "number" ? v.toExponential(digits) : v),
  int: () => (v) => (typeof v === "number" ? String(Math.round(v)) : v),
  duration: () => (v) => (typeof v === "number" ? duration(v) : v),
};

// Seconds as "42 s", "3:05" or "1:02:05".
function duration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const two = (n) => String(n).padStart(2, "0");
  return s < 3600 ? `${Math.floor(s / 60)}:${two(s % 60)}` : `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

// "name:digits", or "pow10|name:digits" for a log axis whose values are base-10 logarithms.
function formatter(spec) {
  const [name, digits] = spec.replace(/^pow10\|/, "").split(":");
  const format = formats[name] ? formats[name](Number(digits ?? 0)) : undefined;
  if (!format || !spec.startsWith("pow10|")) return format;
  return (v) => (typeof v === "number" ? format(Math.pow(10, v)) : v);
}

function reviveFormatters(value) {
  if (Array.isArray(value)) return value.map(reviveFormatters);
  if (value === null || typeof value !== "object") return value;
  const result = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "formatter" && typeof v === "string") {
      result[key] = formatter(v);
    } else {
      result[key] = key === "data" ? v : reviveFormatters(v);
    }
  }
  return result;
}

// ApexCharts writes series names into the legend and the tooltip with innerHTML, and names are
// user-supplied (runs, studies, ensembles): every chart shows them through these escaping formatters.
function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function namesAsText(options) {
  const tooltip = options.tooltip ?? {};
  const y = tooltip.y ?? {};
  return {
    ...options,
    legend: { ...(options.legend ?? {}), formatter: (name) => escapeHtml(name) },
    tooltip: { ...tooltip, y: { ...y, title: { ...(y.title ?? {}), formatter: (name) => (name ? escapeHtml(name) + ": " : "") } } },
  };
}

// Saves a data: or blob: URL under a file name (the name comes from C#, already reduced to safe characters).
function save(href, fileName) {
  const link = document.createElement("a");
  link.href = href;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  if (href.startsWith("blob:")) setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export function create(element, options) {
  if (!window.ApexCharts) {
    element.textContent = "Charts could not load (apexcharts.min.js missing).";
    return null;
  }
  const chart = new window.ApexCharts(element, namesAsText(reviveFormatters(options)));
  const ready = chart.render();
  return {
    async updateSeries(series) {
      await ready;
      await chart.updateSeries(series, false);
    },
    async append(perSeries) {
      await ready;
      await chart.appendData(perSeries);
    },
    async updateOptions(newOptions) {
      await ready;
      await chart.updateOptions(namesAsText(reviveFormatters(newOptions)), false, false);
    },
    // kind: "png" (twice the screen size), "svg", or "csv" with its text made in C#.
    async download(kind, fileName, csv) {
      await ready;
      if (kind === "png") save((await chart.dataURI({ scale: 2 })).imgURI, fileName);
      else if (kind === "svg") save(URL.createObjectURL(new Blob([await chart.getSvgString()], { type: "image/svg+xml" })), fileName);
      else save(URL.createObjectURL(new Blob(["\uFEFF" + csv], { type: "text/csv;charset=utf-8" })), fileName);
    },
    // After the first render has finished: a chart destroyed mid-render (a settings change rebuilds several charts
    // at once) would go on drawing into removed elements ("Element not found").
    async destroy() {
      try {
        await ready;
      } finally {
        chart.destroy();
      }
    },
  };
}
