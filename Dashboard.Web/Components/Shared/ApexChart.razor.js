// Wraps one ApexCharts instance (window.ApexCharts, loaded from the npm package apexcharts 4.7.0).

// Formatters cannot travel as JSON: a string value of a "formatter" key names one of these.
const formats = {
  fixed: (digits) => (v) => (typeof v === "number" ? v.toFixed(digits) : v),
  trim: (digits) => (v) => (typeof v === "number" ? String(Number(v.toFixed(digits))) : v),
  percent: (digits) => (v) => (typeof v === "number" ? (v * 100).toFixed(digits) + " %" : v),
  sci: (digits) => (v) => (typeof v === "number" ? v.toExponential(digits) : v),
  int: () => (v) => (typeof v === "number" ? String(Math.round(v)) : v),
};

function reviveFormatters(value) {
  if (Array.isArray(value)) return value.map(reviveFormatters);
  if (value === null || typeof value !== "object") return value;
  const result = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "formatter" && typeof v === "string") {
      const [name, digits] = v.split(":");
      result[key] = formats[name] ? formats[name](Number(digits ?? 0)) : undefined;
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
    destroy() {
      chart.destroy();
    },
  };
}
