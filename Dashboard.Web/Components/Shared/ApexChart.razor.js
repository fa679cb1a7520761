// Wraps one ApexCharts instance (window.ApexCharts, loaded from the npm package apexcharts 4.7.0).
export function create(element, options) {
  if (!window.ApexCharts) {
    element.textContent = "Charts could not load (apexcharts.min.js missing).";
    return null;
  }
  const chart = new window.ApexCharts(element, options);
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
      await chart.updateOptions(newOptions, false, false);
    },
    destroy() {
      chart.destroy();
    },
  };
}
