/* The evawkg query editor: YASGUI configured to talk to this server only.
 *
 * - the endpoint is this server's /sparql; the query opens with its predeclared prefixes;
 * - the named queries are offered as examples (each opens in its own tab);
 * - YASGUI's share link (/sparql#query=...) reopens a query; its table has a CSV download;
 * - resources are suggested while typing, from /search. YASQE's own class and property
 *   completers are left out: they ask lov.linkeddata.es, an outside service;
 * - accessible (WCAG 2.1 AA, checked by axe-core in tests/workbench/test_accessibility.py):
 *   CodeMirror takes its input in a contenteditable element inside the scrolling editor (so the
 *   scrolling region holds focusable content), every field has a name, and the "add tab" button
 *   stands beside the tab list rather than inside it, for every tab YASGUI draws.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("wb-config").textContent);
  var Yasqe = Yasgui.Yasqe;
  var labels = {};

  function compact(iri) {
    var best = null;
    Object.keys(config.prefixes).forEach(function (prefix) {
      var namespace = config.prefixes[prefix];
      if (iri.indexOf(namespace) === 0 && (!best || namespace.length > best.namespace.length)) {
        best = { prefix: prefix, namespace: namespace };
      }
    });
    if (best) {
      var local = iri.substring(best.namespace.length);
      // A prefixed name may only hold these characters unescaped (SPARQL 1.1 PN_LOCAL).
      if (/^[A-Za-z0-9_]([A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?$/.test(local)) {
        return best.prefix + ":" + local;
      }
    }
    return "<" + iri + ">";
  }

  function searchTerm(text) {
    var term = text.replace(/^</, "").replace(/>$/, "");
    var cut = Math.max(term.lastIndexOf("/"), term.lastIndexOf(":"), term.lastIndexOf("#"));
    return cut >= 0 ? term.substring(cut + 1) : term;
  }

  Yasqe.registerAutocompleter({
    name: "evawkg-resources",
    bulk: false,
    autoShow: true,
    persistenceId: null,
    isValidCompletionPosition: function (yasqe) {
      var token = yasqe.getCompleteToken();
      var text = token.string || "";
      if (/keyword|comment/.test(token.type || "")) return false;
      if (/^[?$"'#@]/.test(text) || /^PREFIX$|^BASE$/i.test(text)) return false;
      return searchTerm(text).length >= 3;
    },
    get: function (yasqe, token) {
      var term = searchTerm(token.string || "");
      var url = config.search + "?limit=15&q=" + encodeURIComponent(term);
      return fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { hits: [] }; })
        .then(function (answer) {
          return answer.hits.map(function (hit) {
            var text = compact(hit.iri);
            labels[text] = hit.label;
            return text;
          });
        })
        .catch(function () { return []; });
    },
    postprocessHints: function (yasqe, hints) {
      hints.forEach(function (hint) {
        if (labels[hint.text]) hint.displayText = hint.text + "  \u2014 " + labels[hint.text];
      });
      return hints;
    }
  }, false);

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
    yasqe: {
      value: config.defaultQuery,
      autocompleters: ["variables", "prefixes", "evawkg-resources"],
      prefixCcApi: null,
      inputStyle: "contenteditable"
    }
  });
  window.evawkgYasgui = yasgui;

  function label(element, name) {
    if (element && !element.getAttribute("aria-label")) element.setAttribute("aria-label", name);
  }

  function makeAccessible() {
    var root = document.getElementById("yasgui");
    // Tab and Shift+Tab leave the editor as they leave a text field (no keyboard trap, WCAG
    // 2.1.2); Ctrl+Enter runs the query, and indentation follows Enter by itself.
    var tab = yasgui.getTab();
    var yasqe = tab && tab.getYasqe();
    if (yasqe && !yasqe.evawkgKeys) {
      yasqe.addKeyMap({ "Tab": false, "Shift-Tab": false });
      yasqe.evawkgKeys = true;
    }
    root.querySelectorAll(".CodeMirror [contenteditable], .CodeMirror textarea").forEach(function (input) {
      label(input, "SPARQL query");
    });
    root.querySelectorAll("input.autocomplete").forEach(function (input) {
      label(input, "SPARQL endpoint");
    });
    root.querySelectorAll(".tabsList input[type=text]").forEach(function (input) {
      label(input, "Tab name");
    });
    // Only the button moves: YASGUI inserts new tabs before its (now empty) holder in the list.
    var list = root.querySelector(".tabsList");
    var add = list && list.querySelector(".addTab");
    if (add && list.parentNode) {
      var holder = document.createElement("span");
      holder.className = "addTabHolder";
      holder.appendChild(add);
      list.parentNode.insertBefore(holder, list.nextSibling);
    }
  }

  makeAccessible();
  ["tabAdd", "tabChange", "tabSelect", "queryResponse"].forEach(function (event) {
    yasgui.on(event, function () { window.setTimeout(makeAccessible, 0); });
  });

  var picker = document.getElementById("wb-example");
  picker.addEventListener("change", function () {
    var example = config.examples.filter(function (e) { return e.name === picker.value; })[0];
    if (!example) return;
    var tab = yasgui.addTab(true, {
      name: example.name,
      requestConfig: { endpoint: config.endpoint },
      yasqe: { value: example.query }
    });
    picker.value = "";
    tab.show();
    makeAccessible();
  });
})();
