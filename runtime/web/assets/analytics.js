// fclocal analytics page: three server-drawn charts of the analytics
// function's per-window summaries, refreshed on demand and every 15 s.
(() => {
  'use strict';

  const RANGES = { '1h': 60 * 60, '6h': 6 * 60 * 60, '24h': 24 * 60 * 60, '7d': 7 * 24 * 60 * 60 };
  const REFRESH_MS = 15000;

  const form = document.getElementById('analytics-form');
  const range = document.getElementById('range');
  const auto = document.getElementById('auto');
  const status = document.getElementById('status');
  const charts = [...document.querySelectorAll('img[data-series]')];
  let timer = null;

  function refresh() {
    const to = Math.floor(Date.now() / 1000) + 1;
    const from = to - (RANGES[range.value] || RANGES['1h']);
    for (const img of charts) {
      const width = Math.max(320, Math.min(1600, Math.round(img.parentElement.clientWidth || 960)));
      const params = new URLSearchParams({
        from: String(from),
        to: String(to),
        series: img.dataset.series,
        tz: String(-new Date().getTimezoneOffset()),
        width: String(width),
      });
      img.src = '/fclocal/web/analytics.svg?' + params;
    }
    const params = new URLSearchParams(location.search);
    params.set('range', range.value);
    history.replaceState(null, '', location.pathname + '?' + params);
    status.textContent = 'Updated ' + new Date().toLocaleTimeString() + (auto.checked ? '; auto-refresh on.' : '.');
  }

  function schedule() {
    if (timer !== null) clearInterval(timer);
    timer = auto.checked ? setInterval(refresh, REFRESH_MS) : null;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    refresh();
  });
  range.addEventListener('change', refresh);
  auto.addEventListener('change', () => {
    schedule();
    refresh();
  });

  const wanted = new URLSearchParams(location.search).get('range');
  if (wanted in RANGES) range.value = wanted;
  refresh();
  schedule();
})();
