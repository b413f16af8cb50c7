/* Gig'MCP registry: instant client-side filtering of the catalog table.
   Self-hosted, no dependencies. Runs on every page view, including material's
   instant navigation (document$), and only acts where a catalog table exists.
   Filter state lives in the query string so a filtered view can be shared. */
(function () {
  "use strict";

  var FIELDS = ["category", "tier", "auth", "builder", "status"];

  function setup() {
    var form = document.querySelector("form[data-gm-filters]");
    var table = document.querySelector("table[data-gm-catalog]");
    if (!form || !table) {
      return;
    }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) {
      return row.textContent.toLowerCase();
    });
    var empty = document.querySelector("[data-gm-empty]");
    var count = form.querySelector("output[name=count]");

    function apply() {
      var query = form.elements.q.value.trim().toLowerCase();
      var wanted = {};
      FIELDS.forEach(function (field) {
        wanted[field] = form.elements[field].value;
      });
      var shown = 0;
      rows.forEach(function (row, index) {
        var match = !query || texts[index].indexOf(query) !== -1;
        FIELDS.forEach(function (field) {
          var value = wanted[field];
          if (match && value) {
            var have = (row.getAttribute("data-" + field) || "").split(" ");
            match = have.indexOf(value) !== -1;
          }
        });
        row.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      count.value = shown === rows.length
        ? rows.length + " servers"
        : shown + " of " + rows.length + " servers";
      if (empty) {
        empty.hidden = shown !== 0;
      }
    }

    function remember() {
      var params = new URLSearchParams();
      var query = form.elements.q.value.trim();
      if (query) {
        params.set("q", query);
      }
      FIELDS.forEach(function (field) {
        if (form.elements[field].value) {
          params.set(field, form.elements[field].value);
        }
      });
      var search = params.toString();
      history.replaceState(history.state, "",
        location.pathname + (search ? "?" + search : "") + location.hash);
    }

    var initial = new URLSearchParams(location.search);
    form.elements.q.value = initial.get("q") || "";
    FIELDS.forEach(function (field) {
      var select = form.elements[field];
      var value = initial.get(field) || "";
      var known = Array.prototype.some.call(select.options, function (option) {
        return option.value === value;
      });
      select.value = known ? value : "";
    });

    form.addEventListener("input", function () {
      apply();
      remember();
    });
    form.addEventListener("change", function () {
      apply();
      remember();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    form.addEventListener("reset", function () {
      // The reset happens after this event: filter once the fields are cleared.
      setTimeout(function () {
        apply();
        remember();
      }, 0);
    });
    form.hidden = false;
    apply();
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(setup);
  } else {
    document.addEventListener("DOMContentLoaded", setup);
  }
})();
