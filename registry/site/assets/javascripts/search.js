/* Gig'MCP registry: the search box in every page's header. Self-hosted, no dependencies.
 *
 * Two indexes, both static files of this site (nothing leaves its origin):
 * - exact identifiers (search-ids.json, search-ids/N.json, written by the build): a server's
 *   name, display name, tool names and egress hosts. The typed query, lowercased, is hashed
 *   (32-bit FNV-1a) to the one small shard that holds it, so an exact name, tool or host
 *   answers first and at once, whatever the size of the catalog;
 * - Pagefind (pagefind/, indexed after the build): full text of server and documentation
 *   pages. Its script, WebAssembly and only the index chunks the typed words need are
 *   fetched, the first time a reader opens the box.
 * The preview (registryctl serve) and a plain mkdocs build have no Pagefind index
 * (data-gm-search-mode="exact"): the box says so and answers exact identifiers only.
 *
 * Keys: / s f or Ctrl/Cmd-K open, arrows move, Enter opens, Escape closes.
 * Observable for tests and benchmarks: #gm-search-results gets data-gm-query (the query
 * its results are for) and data-gm-state ("exact" while Pagefind is still running, then
 * "done"); each result link carries data-gm-result-name (server pages) or
 * data-gm-result-page. */
(function () {
  "use strict";

  if (window.__gmSearch) {
    return; // loaded once: the header it lives in survives instant navigation
  }
  window.__gmSearch = true;

  var script = document.currentScript;
  var root = new URL("../../", script ? script.src : location.href); // the site root
  var LIMIT = 10;          // full-text results shown
  var PAUSE_MS = 120;      // full-text search waits for typing to pause
  var PAUSE_SHORT_MS = 250; // longer for short terms (they match many pages)
  var SHORT = 4;
  var MIN_LENGTH = 2;
  var KINDS = {name: "server name", title: "display name", tool: "tool name", host: "egress host"};

  var lookup = null;   // promise of search-ids.json
  var shards = {};     // shard number -> promise of its table
  var pagefind = null; // promise of the Pagefind module

  function getJSON(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) {
        throw new Error(url + ": HTTP " + response.status);
      }
      return response.json();
    });
  }

  function normalize(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean).join(" ");
  }

  function fnv1a32(text) {
    var bytes = new TextEncoder().encode(text);
    var hash = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i += 1) {
      hash ^= bytes[i];
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash >>> 0;
  }

  function loadLookup() {
    if (!lookup) {
      lookup = getJSON(new URL("search-ids.json", root).href);
    }
    return lookup;
  }

  // The servers `term` names exactly: [[name, title, row, kinds], ...] (possibly empty).
  function exact(term) {
    var key = normalize(term);
    return loadLookup().then(function (manifest) {
      var shard = fnv1a32(key) % manifest.shards;
      if (!shards[shard]) {
        shards[shard] = getJSON(new URL("search-ids/" + shard + ".json", root).href);
      }
      return shards[shard];
    }).then(function (table) {
      return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : [];
    });
  }

  function loadPagefind() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (pf) {
        return pf.options({baseUrl: root.pathname, excerptLength: 18}).then(function () {
          return pf.init();
        }).then(function () {
          return pf;
        });
      });
    }
    return pagefind;
  }

  // Pagefind's excerpt is HTML: escaped page text with <mark> around matches. Keep exactly
  // that (text and <mark>), built as DOM nodes, whatever the excerpt holds.
  function excerptNodes(html, into) {
    var doc = document.implementation.createHTMLDocument("");
    doc.body.innerHTML = html;
    Array.prototype.forEach.call(doc.body.childNodes, function walk(node) {
      if (node.nodeType === 3) {
        into.appendChild(document.createTextNode(node.nodeValue));
      } else if (node.nodeType === 1 && node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        into.appendChild(mark);
      } else if (node.nodeType === 1) {
        Array.prototype.forEach.call(node.childNodes, walk);
      }
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function resultItem(href, title, facts, excerpt, name) {
    var item = element("li", "md-search-result__item");
    var link = element("a", "md-search-result__link");
    link.href = href;
    link.tabIndex = -1;
    link.setAttribute("role", "option");
    if (name) {
      link.setAttribute("data-gm-result-name", name);
    } else {
      link.setAttribute("data-gm-result-page", new URL(href, location.href).pathname);
    }
    var article = element("article", "md-search-result__article md-typeset");
    article.appendChild(element("h1", "", title));
    if (facts.length) {
      var line = element("p", "gm-search-facts");
      facts.forEach(function (fact, index) {
        if (index) {
          line.appendChild(document.createTextNode(" · "));
        }
        line.appendChild(fact.code ? element("code", "", fact.code) : document.createTextNode(fact));
      });
      article.appendChild(line);
    }
    if (excerpt) {
      var teaser = element("p", "md-search-result__teaser");
      excerptNodes(excerpt, teaser);
      article.appendChild(teaser);
    }
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  function exactItem(hit) {
    // hit: [name, title, row, kinds]
    var kinds = hit[3].split(" ").map(function (kind) { return KINDS[kind] || kind; });
    var href = new URL("servers/" + hit[0] + "/", root).href;
    return resultItem(href, hit[1], [{code: hit[0]}, "exact " + kinds.join(" and ")], "", hit[0]);
  }

  function pageItem(data) {
    // A server page's best match is often one tool's section (#tool-NAME).
    var target = data;
    var best = data.sub_results && data.sub_results[0];
    if (best && best.url !== data.url && best.url.indexOf("#tool-") !== -1) {
      target = best;
    }
    var meta = data.meta || {};
    var title = meta.title || data.url;
    if (target !== data) {
      title += " · " + target.title;
    }
    var facts = [];
    if (meta.name) {
      facts.push({code: meta.name});
      ["tier", "category", "status"].forEach(function (key) {
        if (meta[key]) {
          facts.push(meta[key]);
        }
      });
    }
    return resultItem(target.url, title, facts, target.excerpt, meta.name || "");
  }

  // The catalog's filters (catalog.js) answer text with the same two indexes.
  window.gmSearchIndex = {
    exact: exact,
    pagefind: loadPagefind,
    full: function () {
      var box = document.querySelector("[data-gm-search]");
      return !!box && box.getAttribute("data-gm-search-mode") === "full";
    }
  };

  function setup() {
    var parts = document.querySelector("[data-gm-search-parts]");
    var inner = document.querySelector(".md-header__inner");
    var toggle = document.getElementById("__search");
    if (!parts || !inner || !toggle) {
      return;
    }
    if (document.querySelector("[data-md-component=search]")) {
      parts.remove(); // the theme's own search plugin is enabled: it has the header
      return;
    }
    // Into the header, where the theme puts its own search (before the repository link).
    var place = inner.querySelector(".md-header__source");
    while (parts.firstElementChild) {
      inner.insertBefore(parts.firstElementChild, place);
    }
    parts.remove();

    var box = inner.querySelector("[data-gm-search]");
    var full = box.getAttribute("data-gm-search-mode") === "full";
    var form = box.querySelector("form");
    var input = form.elements.query;
    var status = box.querySelector("#gm-search-status");
    var list = box.querySelector("#gm-search-results");
    var placeholder = full ? status.textContent
      : "Full-text search is built by registryctl build; here, exact server, tool and host " +
        "names only";
    status.textContent = placeholder;
    var active = -1;
    var timer = 0;
    var running = false;
    var again = false;

    function warm() {
      loadLookup().catch(function () { /* shown when a query needs it */ });
      if (full) {
        loadPagefind().catch(function () { /* shown when a query needs it */ });
      }
    }

    function setOpen(open) {
      if (toggle.checked !== open) {
        toggle.checked = open;
        toggle.dispatchEvent(new Event("change"));
      }
    }

    function open() {
      setOpen(true);
      input.focus();
      input.select();
      warm();
    }

    function close() {
      setOpen(false);
      input.blur();
    }

    function links() {
      return list.querySelectorAll("a.md-search-result__link");
    }

    function highlight(index) {
      var all = links();
      active = Math.max(-1, Math.min(index, all.length - 1));
      Array.prototype.forEach.call(all, function (link, i) {
        link.setAttribute("aria-selected", i === active ? "true" : "false");
        link.classList.toggle("gm-search-active", i === active);
        if (i === active) {
          link.scrollIntoView({block: "nearest"});
        }
      });
    }

    function show(term, items, message, state) {
      list.textContent = "";
      items.forEach(function (item) { list.appendChild(item); });
      status.textContent = message;
      list.setAttribute("data-gm-query", term);
      list.setAttribute("data-gm-state", state);
      active = -1;
    }

    function exactItems(hits) {
      return hits.slice(0, LIMIT).map(exactItem);
    }

    function exactMessage(hits) {
      return count(hits.length, "exact match") +
        (hits.length > LIMIT ? " (first " + LIMIT + " shown)" : "");
    }

    function count(n, what) {
      return n + " " + what + (n === 1 ? "" : /h$/.test(what) ? "es" : "s");
    }

    function serverUrl(name) {
      return new URL("servers/" + name + "/", root).pathname;
    }

    // One query: its exact hits show as soon as their shard is in; the full-text search
    // follows. Pagefind's search cannot be cancelled, so only one runs at a time and, when
    // it ends, the latest query runs next (older ones are dropped).
    var current = null;

    function run() {
      var term = input.value.trim();
      var query = {term: term, hits: null, searched: false};
      current = query;
      if (term.length < MIN_LENGTH) {
        show(term, [], placeholder, "done");
        return;
      }
      exact(term).then(function (found) {
        query.hits = found;
      }, function () {
        query.hits = [];
      }).then(function () {
        if (query !== current) {
          return;
        }
        var hits = query.hits;
        if (!full) {
          show(term, exactItems(hits), hits.length ? exactMessage(hits)
            : "No server, tool or host is named exactly that (no full-text search here)",
            "done");
          return;
        }
        if (hits.length) {
          show(term, exactItems(hits), exactMessage(hits) + "; searching the text…", "exact");
        }
        fullText();
      });
    }

    function fullText() {
      var query = current;
      if (running) {
        again = true;
        return;
      }
      if (!query || query.searched || query.hits === null) {
        return; // nothing new, or its exact lookup will call again
      }
      query.searched = true;
      running = true;
      var term = query.term;
      var hits = query.hits;
      loadPagefind().then(function (pf) {
        return pf.search(term);
      }).then(function (found) {
        if (query !== current) {
          return null;
        }
        var seen = {};
        hits.forEach(function (hit) { seen[serverUrl(hit[0])] = true; });
        var wanted = LIMIT + Math.min(hits.length, LIMIT); // room for the exact hits found again
        return Promise.all(found.results.slice(0, wanted).map(function (result) {
          return result.data();
        })).then(function (pages) {
          if (query !== current) {
            return;
          }
          var rest = pages.filter(function (data) {
            return !seen[new URL(data.url, location.href).pathname];
          }).slice(0, LIMIT);
          var total = found.results.length;
          var message = total === 0 && hits.length === 0 ? "No matching pages"
            : (hits.length ? exactMessage(hits) + ", " : "") +
              count(total, "matching page") + (total > LIMIT ? " (best " + LIMIT + " shown)" : "");
          show(term, exactItems(hits).concat(rest.map(pageItem)), message, "done");
        });
      }).then(finish, function (error) {
        finish();
        if (query === current) {
          show(term, exactItems(hits), "Search is unavailable (" + error.message + ")", "done");
        }
      });
    }

    function finish() {
      running = false;
      if (again) {
        again = false;
        fullText();
      }
    }

    function schedule() {
      clearTimeout(timer);
      var term = input.value.trim();
      if (full && term.length >= MIN_LENGTH) {
        loadPagefind().then(function (pf) {
          pf.preload(term); // fetch the index chunks while the reader is still typing
        }, function () { /* reported by run() */ });
      }
      timer = setTimeout(run, term.length < SHORT ? PAUSE_SHORT_MS : PAUSE_MS);
    }

    input.addEventListener("focus", function () {
      setOpen(true);
      warm();
    });
    input.addEventListener("input", schedule);
    form.addEventListener("reset", function () {
      setTimeout(run, 0);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        event.preventDefault();
        var all = links();
        var chosen = all[active >= 0 ? active : 0];
        if (chosen) {
          chosen.click(); // the theme's instant navigation takes it when it can
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    list.addEventListener("click", function (event) {
      if (event.target.closest("a")) {
        close();
      }
    });
    toggle.addEventListener("change", function () {
      if (toggle.checked && document.activeElement !== input) {
        input.focus();
      }
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.isContentEditable ||
        /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      var key = !typing && !event.ctrlKey && !event.metaKey && !event.altKey &&
        (event.key === "/" || event.key === "s" || event.key === "f");
      var ctrlK = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k";
      if (key || ctrlK) {
        event.preventDefault();
        open();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
