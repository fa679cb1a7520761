// The only code that talks to ECharts (window.echarts, the npm package echarts 6.1.0, loaded on first use).
// .NET sends plain data (columns, rows, names); the options are built here, where formatters can live.
// Run names are user-supplied and ECharts writes tooltips as HTML: every tooltip goes through escapeHtml.

let loading = null;

function loadECharts(url) {
  if (window.echarts) return Promise.resolve(window.echarts);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = () => resolve(window.echarts);
    script.onerror = () => reject(new Error("echarts.min.js could not load from " + url));
    document.head.appendChild(script);
  });
  return loading;
}

export function preload(url) {
  loadECharts(url).catch(() => { /* create() says so where the chart should be */ loading = null; });
}

function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function formatNumber(value, column) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (column.kind === "Category") return column.categories[value] ?? "?";
  if (column.key === "accuracy") return (value * 100).toFixed(2) + " %";
  if (column.key === "trainingSeconds") return Math.round(value) + " s";
  if (column.whole) return String(Math.round(value));
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return Number(value.toPrecision(2)).toExponential().replace("e-", "e−").replace("e+", "e");
  return String(Number(value.toPrecision(4)));
}

// Axis ticks need fewer digits than tooltips: 91 %, not 91.00 %.
function formatTick(value, column) {
  if (column.key === "accuracy" && typeof value === "number") return Number((value * 100).toFixed(1)) + " %";
  return formatNumber(value, column);
}

// One axis per column. Whole numbers on a log axis (batch sizes, training images) step by powers of two.
function axis(column) {
  const category = column.kind === "Category";
  const base = column.log && column.whole ? 2 : 10;
  // Whole powers of the base around the data; ECharts' own rounding took 0.1 for a bit under 10^-1 and drew up to 1.
  const power = (v, round) => Math.pow(base, round(Math.log(v) / Math.log(base)));
  const bounds = column.log
    ? { min: (e) => power(e.min * (1 + 1e-9), Math.floor), max: (e) => power(e.max * (1 - 1e-9), Math.ceil) }
    : {};
  return {
    ...bounds,
    type: category ? "category" : column.log ? "log" : "value",
    logBase: base,
    data: category ? column.categories : undefined,
    scale: !category,
    axisLabel: { formatter: category ? undefined : (v) => formatTick(v, column) },
  };
}

// Axes stand ~70 px apart: long names go on two lines instead of being cut ("Learning r…").
function wrapName(name) {
  const words = name.split(" ");
  if (name.length <= 10 || words.length < 2) return name;
  const first = words.slice(0, Math.ceil(words.length / 2)).join(" ");
  return first + "\n" + words.slice(Math.ceil(words.length / 2)).join(" ");
}

// Axis labels sit among the lines: a halo in the background colour keeps them readable.
function halo(dark) {
  return { textBorderColor: dark ? "#1e1e2d" : "#ffffff", textBorderWidth: 3 };
}

// Dark: viridis from dark to bright; the best runs are always bright, whichever way the metric is better.
function palette(higherIsBetter) {
  const colors = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
  return higherIsBetter ? colors : [...colors].reverse();
}

function extent(rows, index) {
  let min = Infinity, max = -Infinity;
  for (const row of rows) {
    const v = row[index];
    if (v === null || v === undefined) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : [0, 1];
}

function parallelOption(data, dark) {
  const colorColumn = data.columns[data.color];
  const [min, max] = extent(data.rows, data.color);
  return {
    animation: false,
    backgroundColor: "transparent",
    textStyle: { fontFamily: "Roboto, Helvetica, Arial, sans-serif" },
    parallel: {
      left: 50, right: 100, top: 60, bottom: 28,
      parallelAxisDefault: {
        // Redraw once the drag ends: with thousands of lines a live redraw on every mouse move lags.
        realtime: false,
        nameLocation: "end", nameGap: 12, nameTextStyle: { fontSize: 12, fontWeight: 500, lineHeight: 14 },
        axisLabel: { fontSize: 11, ...halo(dark) },
        areaSelectStyle: { width: 22, opacity: 0.35 },
      },
    },
    parallelAxis: data.columns.map((c, i) => {
      const a = axis(c);
      return { ...a, id: c.key, dim: i, name: wrapName(c.label), nameTruncate: { maxWidth: 140 }, axisLabel: { ...a.axisLabel, ...halo(dark) } };
    }),
    visualMap: {
      // Beside the axis of its metric, whose labels give the values.
      type: "continuous", dimension: data.color, min, max, right: 12, top: "middle", itemHeight: 160, itemWidth: 14, calculable: false,
      inRange: { color: palette(colorColumn.higherIsBetter) },
    },
    tooltip: {
      trigger: "item", confine: true, renderMode: "html", className: "analysis-tooltip",
      formatter: (p) => `<b>${escapeHtml(data.names[p.dataIndex])}</b><br>` +
        data.columns.map((c, i) => `${escapeHtml(c.label)}: ${escapeHtml(formatNumber(p.value[i], c))}`).join("<br>"),
    },
    series: [{
      type: "parallel", data: data.rows, smooth: false, progressive: 1000,
      lineStyle: { width: 1, opacity: data.rows.length > 500 ? 0.35 : 0.7 },
      inactiveOpacity: dark ? 0.04 : 0.03, activeOpacity: 1,
      emphasis: { lineStyle: { width: 2.5, opacity: 1 } },
    }],
  };
}

function scatterOption(data, dark) {
  const x = data.columns[0], y = data.columns[1];
  return {
    animation: false,
    backgroundColor: "transparent",
    textStyle: { fontFamily: "Roboto, Helvetica, Arial, sans-serif" },
    grid: { left: 70, right: 24, top: 24, bottom: 52 },
    xAxis: {
      ...axis(x), name: x.label + (x.log ? " (log scale)" : ""), nameLocation: "middle", nameGap: 32,
      jitter: x.kind === "Category" ? 24 : 0,
      splitLine: { show: x.kind !== "Category" },
    },
    yAxis: {
      type: "value", name: y.label, nameLocation: "middle", nameGap: 52, scale: true,
      axisLabel: { formatter: (v) => formatTick(v, y) },
    },
    tooltip: {
      trigger: "item", confine: true, renderMode: "html", className: "analysis-tooltip",
      formatter: (p) => `<b>${escapeHtml(data.names[p.dataIndex])}</b><br>${escapeHtml(x.label)}: ${escapeHtml(formatNumber(p.value[0], x))}` +
        `<br>${escapeHtml(y.label)}: ${escapeHtml(formatNumber(p.value[1], y))}`,
    },
    series: [{
      type: "scatter", data: data.rows, symbolSize: data.rows.length > 1000 ? 4 : 7,
      // The app's primary colour of each theme (MainLayout's palettes).
      itemStyle: { color: dark ? "#7986cb" : "#3f51b5", opacity: data.rows.length > 1000 ? 0.45 : 0.75 },
      emphasis: { itemStyle: { opacity: 1, borderColor: "#000", borderWidth: 1 } },
    }],
  };
}

const builders = { parallel: parallelOption, scatter: scatterOption };

// The brushed rows: how many, and the first `limit` of them ranked best first by the coloured metric.
function brushed(chart, data, limit) {
  const series = chart.getModel().getSeries()[0];
  const coordinates = series.coordinateSystem;
  if (!coordinates.hasAxisBrushed()) return { brushed: false, count: data.rows.length, first: [] };
  const indices = series.getRawIndicesByActiveState("active");
  const sign = data.columns[data.color].higherIsBetter ? -1 : 1;
  const value = (i) => data.rows[i][data.color] ?? (sign < 0 ? -Infinity : Infinity);
  indices.sort((a, b) => sign * (value(a) - value(b)));
  return { brushed: true, count: indices.length, first: indices.slice(0, limit) };
}

// ECharts does not redraw the band of the axis an axisAreaSelect action names (after a drag the drag has drawn it), so a
// range set by the action alone filters the lines but shows no band: an empty setOption redraws the axes from their ranges.
function drawBands(chart) {
  chart.setOption({});
}

// A band ECharts redraws from a range (after a typed range, a resize, a theme change) gets its brush default, an opaque
// grey over the axis labels, not the axis's areaSelectStyle that a drag draws in: restyle those after each render. These
// are internals of ECharts 6.1 (pinned); if they change the band just stays grey, and the browser test says so.
function styleBands(chart) {
  chart.getModel()?.eachComponent("parallelAxis", (axisModel) => {
    const style = axisModel.getAreaSelectStyle?.();
    const covers = chart.getViewOfComponentModel?.(axisModel)?._brushController?._covers ?? [];
    for (const cover of covers) {
      const main = cover.childOfName?.("main");
      // Only when it differs: restyling renders again, which ends in "finished" again.
      if (style && main && (main.style.fill !== style.fill || main.style.opacity !== style.opacity)) main.setStyle(style);
    }
  });
}

export async function create(element, kind, data, dark, echartsUrl, dotnet, limit) {
  if (kind === "parallel") performance.mark("analysis:data");
  let echarts;
  try {
    echarts = await loadECharts(echartsUrl);
  } catch (e) {
    element.textContent = "Charts could not load (echarts.min.js missing).";
    return null;
  }
  let current = data;
  let chart = echarts.init(element, dark ? "dark" : null, { renderer: "canvas" });
  const onFinished = () => {
    chart.off("finished", onFinished);
    if (kind === "parallel") performance.mark("analysis:parallel-rendered");
    element.dataset.rendered = "true";
  };
  const wire = () => {
    chart.off("finished");
    chart.off("axisareaselected");
    chart.on("finished", onFinished);
    if (kind === "parallel") chart.on("finished", () => styleBands(chart));
    if (kind === "parallel" && dotnet) {
      chart.on("axisareaselected", () => {
        const b = brushed(chart, current, limit);
        dotnet.invokeMethodAsync("OnBrushed", b.brushed, b.count, b.first);
      });
    }
  };
  wire();
  chart.setOption(builders[kind](current, dark));
  const resize = new ResizeObserver(() => chart.resize());
  resize.observe(element);
  return {
    // New data: a new chart (a brush on the old data means nothing on the new).
    update(newData, newDark) {
      current = newData;
      dark = newDark;
      element.dataset.rendered = "false";
      chart.setTheme(dark ? "dark" : {});
      wire();
      chart.setOption(builders[kind](current, dark), { notMerge: true });
    },
    // The page's theme only: the same data recoloured, its brush put back (a new theme rebuilds the axes without it).
    setDark(newDark) {
      dark = newDark;
      const brush = kind === "parallel" ? current.columns.map((c, i) => [c.key, chart.getModel().getComponent("parallelAxis", i)?.activeIntervals ?? []]) : [];
      element.dataset.rendered = "false";
      chart.setTheme(dark ? "dark" : {});
      wire();
      chart.setOption(builders[kind](current, dark), { notMerge: true });
      for (const [id, intervals] of brush) {
        if (intervals.length > 0) chart.dispatchAction({ type: "axisAreaSelect", parallelAxisId: id, intervals });
      }
      if (brush.some(([, intervals]) => intervals.length > 0)) drawBands(chart);
    },
    // A range typed on the page: the same action a drag ends in, so the brush, its event and its redraw are the chart's own.
    // Intervals are in data units on a log axis too (ECharts turns the drag's pixels into data values before it stores them).
    setAxisRange(id, intervals) {
      chart.dispatchAction({ type: "axisAreaSelect", parallelAxisId: id, intervals });
      drawBands(chart);
    },
    dispose() {
      resize.disconnect();
      chart.dispose();
    },
  };
}
