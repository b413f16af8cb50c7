/* Gig'MCP registry: the catalog table of the home page, filtered and paged over the whole
 * catalog without loading it. Self-hosted, no dependencies.
 *
 * - No filter, page 1: the rows the page's HTML already holds (its first page).
 * - Filters (category, tier, auth, builder, status, what the default tools can do) and
 *   pages: catalog/facets.json (a few bytes per server) picks the rows, then only the
 *   catalog/rows-NNNN.json shards holding the page's rows are fetched.
 * - Text (q): the servers it names exactly (search.js's identifier lookup) first, then
 *   Pagefind's full-text results with the filters as Pagefind filters.
 * The view lives in the query string (?q=&category=&tier=&auth=&builder=&status=&can=&page=)
 * so it can be shared. Runs on every page view, including the theme's instant navigation.
 * Observable: table[data-gm-catalog] gets data-gm-ready when a view is rendered (and loses
 * it while one is being worked out). */
(function () {
  "use strict";

  var FIELDS = ["category", "tier", "auth", "builder", "status", "can"];
  var facetsFile = null; // promise of catalog/facets.json
  var shards = {};       // shard url -> promise of its rows

  function getJSON(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) {
        throw new Error(url + ": HTTP " + response.status);
      }
      return response.json();
    });
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // One row as the page's template renders it (registry/site/templates/_macros.html).
  // row: [name, title, description, category, tier, auth, builder, egress[], default, total,
  //       status, category page]
  function rowElement(row, root) {
    var name = row[0], category = row[3], link = new URL("servers/" + name + "/", root);
    var first = [element("a", {href: link.pathname}, [element("strong", {}, [row[1] || name])]),
      " ", element("code", {}, [name])];
    if (row[2]) {
      first.push(element("br"), element("span", {"class": "gm-desc"}, [row[2]]));
    }
    var egress = [];
    row[7].forEach(function (host, index) {
      if (index) {
        egress.push(" ");
      }
      egress.push(element("code", {}, [host]));
    });
    return element("tr", {
      "data-category": category || "uncategorized", "data-tier": row[4],
      "data-auth": row[5].split(", ").join(" "), "data-builder": row[6], "data-status": row[10]
    }, [
      element("td", {}, first),
      element("td", {}, [category ? element("a", {href: new URL(row[11], root).pathname},
        [category]) : "—"]),
      element("td", {}, [element("span", {"class": "gm-badge gm-badge--" + row[4],
        title: row[4] + " tier"}, [row[4]])]),
      element("td", {}, [row[5]]),
      element("td", {}, [row[6]]),
      element("td", {}, egress.length ? egress : ["none"]),
      element("td", {title: "default / total"}, [row[8] + "/" + row[9]]),
      element("td", {}, [element("span", {"class": "gm-badge gm-badge--" + row[10]},
        [row[10]])])
    ]);
  }

  // A row from a server page's Pagefind metadata (registry/site/templates/server.html).
  function rowFromMeta(meta) {
    var tools = (meta.tools || "0/0").split("/");
    return [meta.name || "", meta.title || "", meta.description || "",
      meta.category === "uncategorized" ? "" : (meta.category || ""), meta.tier || "",
      meta.auth || "", meta.builder || "", meta.egress ? meta.egress.split(" ") : [],
      tools[0], tools[1], meta.status || "", meta.category_url || ""];
  }

  function setup() {
    var form = document.querySelector("form[data-gm-filters]");
    var table = document.querySelector("table[data-gm-catalog]");
    if (!form || !table) {
      return;
    }
    var root = new URL(form.getAttribute("data-gm-base") || "./", location.href);
    var total = parseInt(form.getAttribute("data-gm-total"), 10);
    var shardRows = parseInt(form.getAttribute("data-gm-shard-rows"), 10);
    var PER_PAGE = parseInt(form.getAttribute("data-gm-page-rows"), 10);
    var body = table.tBodies[0];
    var firstPage = Array.prototype.slice.call(body.rows); // page 1 of the whole catalog
    var empty = document.querySelector("[data-gm-empty]");
    var pager = document.querySelector("[data-gm-pager]");
    var count = form.querySelector("output[name=count]");
    var page = 1;
    var latest = 0;

    function loadFacets() {
      if (!facetsFile) {
        facetsFile = getJSON(new URL("catalog/facets.json", root).href);
      }
      return facetsFile;
    }

    function rowAt(index) {
      var number = Math.floor(index / shardRows);
      var url = new URL("catalog/rows-" + String(number).padStart(4, "0") + ".json", root).href;
      if (!shards[url]) {
        shards[url] = getJSON(url);
      }
      return shards[url].then(function (rows) {
        return rows[index % shardRows];
      });
    }

    function wanted() {
      var values = {};
      FIELDS.forEach(function (field) {
        if (form.elements[field].value) {
          values[field] = form.elements[field].value;
        }
      });
      return values;
    }

    // A test of one row's codes for each wanted facet value (facets.json, see facets.py).
    function tester(facets, filters) {
      var width = facets.facets.length;
      var tests = Object.keys(filters).map(function (field) {
        var position = facets.facets.indexOf(field);
        var value = facets.values[field].indexOf(filters[field]);
        var multi = facets.multi.indexOf(field) !== -1;
        return function (row) {
          var code = facets.alphabet.indexOf(facets.codes.charAt(row * width + position));
          return value !== -1 && (multi ? (code & (1 << value)) !== 0 : code === value);
        };
      });
      return function (row) {
        return tests.every(function (test) { return test(row); });
      };
    }

    // The view: how many servers match, and the rows of this page (as arrays).
    function byFacets(filters) {
      return loadFacets().then(function (facets) {
        var test = tester(facets, filters);
        var rows = [];
        for (var row = 0; row < facets.rows; row += 1) {
          if (test(row)) {
            rows.push(row);
          }
        }
        var slice = rows.slice((page - 1) * PER_PAGE, page * PER_PAGE);
        return Promise.all(slice.map(function (row) {
          return rowAt(row);
        })).then(function (shown) {
          return {matches: rows.length, rows: shown};
        });
      });
    }

    // Exact hits first, then full-text results (minus the exact hits, which Pagefind
    // nearly always finds too: the count is the larger of the two, and a later page may
    // repeat a row or two of the one before).
    function byText(query, filters) {
      var index = window.gmSearchIndex;
      var filtered = Object.keys(filters).length > 0;
      return Promise.all([
        index.exact(query).catch(function () { return []; }),
        filtered ? loadFacets() : Promise.resolve(null)
      ]).then(function (found) {
        var test = found[1] ? tester(found[1], filters) : function () { return true; };
        var hits = found[0].filter(function (hit) { return test(hit[2]); });
        var names = {};
        hits.forEach(function (hit) { names[hit[0]] = true; });
        var text = index.full() ? index.pagefind().then(function (pf) {
          return pf.search(query, {filters: Object.assign({kind: "server"}, filters)});
        }).then(function (search) {
          return search.results;
        }) : Promise.resolve([]);
        return text.then(function (results) {
          var start = (page - 1) * PER_PAGE;
          var mine = hits.slice(start, start + PER_PAGE);
          var from = Math.max(0, start - hits.length);
          var room = PER_PAGE - mine.length;
          // Fetch a few more results than there is room for: some are exact hits again.
          var slice = room > 0
            ? results.slice(from, from + room + Math.min(hits.length, PER_PAGE)) : [];
          return Promise.all(mine.map(function (hit) {
            return rowAt(hit[2]);
          }).concat(slice.map(function (result) {
            return result.data().then(function (data) {
              return names[data.meta.name] ? null : rowFromMeta(data.meta);
            });
          }))).then(function (rows) {
            return {matches: Math.max(results.length, hits.length),
              rows: rows.filter(Boolean).slice(0, PER_PAGE)};
          });
        });
      });
    }

    function showPager(matches) {
      var pages = Math.max(1, Math.ceil(matches / PER_PAGE));
      pager.textContent = "";
      if (page > 1) {
        pager.appendChild(element("button", {type: "button", "class": "md-button",
          "data-gm-page": String(page - 1)}, ["← Previous"]));
      }
      if (pages > 1) {
        pager.appendChild(element("span", {}, ["page " + page + " of " + pages]));
      }
      if (page < pages) {
        pager.appendChild(element("button", {type: "button", "class": "md-button",
          "data-gm-page": String(page + 1)}, ["Next →"]));
      }
      pager.hidden = pages === 1;
    }

    function apply() {
      var mine = ++latest;
      var query = form.elements.q.value.trim();
      var filters = wanted();
      var filtered = query !== "" || Object.keys(filters).length > 0;
      var work;
      if (!filtered && page === 1) {
        work = Promise.resolve({matches: total, rows: null});
      } else if (query) {
        work = byText(query, filters);
      } else {
        work = byFacets(filters);
      }
      table.removeAttribute("data-gm-ready");
      form.setAttribute("aria-busy", "true");
      return work.then(function (view) {
        if (mine !== latest) {
          return; // a newer view is being worked out
        }
        var shown = view.rows === null ? firstPage : view.rows.map(function (row) {
          return rowElement(row, root);
        });
        var same = shown.length === body.rows.length && shown.every(function (row, index) {
          return body.rows[index] === row;
        });
        if (!same) { // the first view of the page keeps its own rows: no second layout
          body.textContent = "";
          shown.forEach(function (row) { body.appendChild(row); });
        }
        count.value = filtered ? view.matches + " of " + total + " servers" : total + " servers";
        if (empty) {
          empty.hidden = view.matches !== 0;
        }
        showPager(view.matches);
        form.removeAttribute("aria-busy");
        table.setAttribute("data-gm-ready", location.search || "?");
      }, function (error) {
        if (mine === latest) {
          form.removeAttribute("aria-busy");
          count.value = "The catalog could not be loaded (" + error.message + ")";
          table.setAttribute("data-gm-ready", "error");
        }
      });
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
      if (page > 1) {
        params.set("page", String(page));
      }
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
    page = Math.max(1, parseInt(initial.get("page") || "1", 10) || 1);

    var typing = 0;
    function changed(delay) {
      page = 1;
      clearTimeout(typing);
      typing = setTimeout(function () {
        remember();
        apply();
      }, delay);
    }
    form.elements.q.addEventListener("input", function () { changed(200); });
    form.addEventListener("change", function (event) {
      if (event.target !== form.elements.q) {
        changed(0);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    form.addEventListener("reset", function () {
      // The reset happens after this event: filter once the fields are cleared.
      setTimeout(function () { changed(0); }, 0);
    });
    pager.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-gm-page]");
      if (!button) {
        return;
      }
      page = parseInt(button.getAttribute("data-gm-page"), 10);
      remember();
      apply().then(function () {
        table.scrollIntoView({block: "start"});
      });
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
