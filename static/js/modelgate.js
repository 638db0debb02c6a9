// Modelgate's small amount of JavaScript. No inline scripts anywhere (the CSP forbids them): pages put data in
// <script type="application/json"> blocks and mark elements with data-* attributes that this file wires up.
(function () {
  "use strict";

  // Auto-submit filter forms when a facet changes (the submit button stays for keyboard and no-JS users).
  function wireAutoSubmit(root) {
    root.querySelectorAll("form[data-autosubmit] select, form[data-autosubmit] input[type=checkbox]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit(); });
    });
  }

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var palette = ["#2448c9", "#0f7a3d", "#b42318", "#8a5a00", "#6941c6", "#0e7090", "#c11574", "#4b5565"];

  // Price history: one stepped line per (offering, unit) series.
  function priceHistoryChart(canvas) {
    var data = readJson(canvas.dataset.source);
    if (!data || !window.Chart) return;
    new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.points, stepped: "before", borderColor: palette[i % palette.length],
                   backgroundColor: palette[i % palette.length], pointRadius: 3 };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, parsing: false,
        scales: { x: { type: "linear", ticks: { callback: function (v) { return new Date(v).toISOString().slice(0, 10); } } },
                  y: { title: { display: true, text: "USD per 1M tokens" }, beginAtZero: true } },
        plugins: { tooltip: { callbacks: { title: function (items) { return new Date(items[0].parsed.x).toISOString().slice(0, 10); } } } }
      }
    });
  }

  // Cost vs quality: Pareto-efficient models in colour, dominated ones greyed, the frontier drawn as a line.
  function costQualityChart(canvas) {
    var data = readJson(canvas.dataset.source);
    if (!data || !window.Chart) return;
    var frontier = data.points.filter(function (p) { return p.frontier; }).sort(function (a, b) { return a.x - b.x; });
    new window.Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          { label: "Pareto frontier", data: frontier, showLine: true, borderColor: "#2448c9", backgroundColor: "#2448c9", pointRadius: 5 },
          { label: "Dominated", data: data.points.filter(function (p) { return !p.frontier; }), backgroundColor: "#b9c1cd", pointRadius: 4 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        scales: { x: { type: "logarithmic", title: { display: true, text: "Blended USD per 1M tokens (log)" } },
                  y: { title: { display: true, text: data.benchmark } } },
        plugins: { tooltip: { callbacks: { label: function (ctx) { var p = ctx.raw; return p.label + ": " + p.y + " @ $" + p.x; } } } }
      }
    });
  }

  function wireCharts(root) {
    root.querySelectorAll("canvas[data-chart=price-history]").forEach(priceHistoryChart);
    root.querySelectorAll("canvas[data-chart=cost-quality]").forEach(costQualityChart);
  }

  // <fieldset data-show-when="use_case=new">: shown only while the form's field has that value. Without
  // JavaScript everything stays visible, so the form still works.
  function wireShowWhen(root) {
    root.querySelectorAll("[data-show-when]").forEach(function (el) {
      var parts = el.dataset.showWhen.split("="), form = el.closest("form");
      var field = form && form.elements.namedItem(parts[0]);
      if (!field) return;
      var update = function () { el.hidden = field.value !== parts[1]; };
      field.addEventListener("change", update);
      update();
    });
  }

  // Filter forms leave empty fields out of the URL: shorter, shareable links, and an empty "any" choice is never
  // sent as a value the filter would have to reject.
  function wireDropEmpty(root) {
    root.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      if (form.dataset.dropEmptyWired) return;
      form.dataset.dropEmptyWired = "1";
      form.addEventListener("submit", function () {
        var emptied = [];
        Array.prototype.forEach.call(form.elements, function (el) {
          if (el.name && !el.disabled && el.type !== "checkbox" && el.type !== "radio" && el.value === "") {
            el.disabled = true;
            emptied.push(el);
          }
        });
        // Re-enabled once the browser has read the form, so Back shows the fields as they were.
        setTimeout(function () { emptied.forEach(function (el) { el.disabled = false; }); }, 0);
      });
    });
  }

  // A secret shown once: focusing it selects it, ready to copy.
  function wireSelectOnFocus(root) {
    root.querySelectorAll("[data-select-on-focus]").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireAutoSubmit(document);
    wireCharts(document);
    wireShowWhen(document);
    wireSelectOnFocus(document);
    wireDropEmpty(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    wireAutoSubmit(event.target);
    wireShowWhen(event.target);
    wireSelectOnFocus(event.target);
  });
})();
