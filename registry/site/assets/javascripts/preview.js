/* Gig'MCP registry preview (registryctl serve only): when the tree does not
 * lint, the preview keeps its last good pages and this script shows the
 * located findings over every page, until a save fixes them. */
(function () {
  "use strict";
  var script = document.currentScript;
  var status = script ? new URL("preview.json", script.src).href : "assets/gigmcp/preview.json";

  function overlay(report) {
    var box = document.createElement("section");
    box.id = "gm-preview-errors";
    box.setAttribute("role", "alert");
    var title = document.createElement("h2");
    title.textContent = "The registry does not lint (" + report.errors + " error" +
      (report.errors === 1 ? "" : "s") + "): this page shows the last version that did";
    box.appendChild(title);
    var list = document.createElement("pre");
    list.textContent = report.findings.join("\n") +
      (report.more ? "\n… and " + report.more + " more" : "");
    box.appendChild(list);
    var hint = document.createElement("p");
    hint.textContent = "Fix the files and save: the preview rebuilds and this message goes away.";
    box.appendChild(hint);
    document.body.appendChild(box);
  }

  var latest = 0;

  // Checks can overlap (the first page view, then instant navigation's first emission):
  // only the latest one's answer is shown, and there is never more than one box.
  function check() {
    var mine = ++latest;
    fetch(status, { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (report) {
        if (mine !== latest) { return; }
        var old = document.getElementById("gm-preview-errors");
        if (old) { old.remove(); }
        if (report && !report.ok) { overlay(report); }
      })
      .catch(function () { /* the preview is restarting */ });
  }

  check();
  // Material's instant navigation swaps pages without a load event.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(check);
  }
})();
