// The lifecycle diagram, drawn only when someone opens it: the mermaid library (installed from npm and served
// from this origin under content-hashed URLs) is fetched then, never with the page.
(function () {
  var library = null;  // one download per page, however many diagrams open

  function load(src) {
    if (!library) {  // mermaid's ES module: it imports only the chunks a state diagram needs
      library = import(src).then(function (module) { return module.default; }, function (err) {
        library = null;
        throw err;
      });
    }
    return library;
  }

  function draw(box) {
    if (box.getAttribute("data-state") === "loading" || box.getAttribute("data-state") === "drawn") return;
    box.setAttribute("data-state", "loading");
    load(box.getAttribute("data-src")).then(function (mermaid) {
      // At natural size (useMaxWidth false): shrunk to a phone's width the labels would be unreadable;
      // the container scrolls instead.
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral",
                           fontSize: 15, state: { useMaxWidth: false } });
      return mermaid.run({ nodes: box.querySelectorAll("pre.mermaid") });
    }).then(function () {
      box.setAttribute("data-state", "drawn");
      document.body.setAttribute("data-diagrams", "drawn");
    }, function () {
      box.setAttribute("data-state", "failed");  // the page says so; closing and opening tries again
    });
  }

  // Zoom: the drawing's size as a multiple of its natural size (1 = as drawn, the readable size).
  function zoom(box, factor) {
    var scale = factor === 1 ? 1 : Math.min(3, Math.max(0.2, (parseFloat(box.getAttribute("data-zoom")) || 1) * factor));
    box.setAttribute("data-zoom", String(scale));
    box.querySelectorAll("pre.mermaid svg").forEach(function (svg) {
      var view = svg.viewBox && svg.viewBox.baseVal;
      if (!view || !view.width) return;
      svg.style.width = view.width * scale + "px";
      svg.style.height = view.height * scale + "px";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("details.diagram").forEach(function (box) {
      box.addEventListener("toggle", function () {
        if (!box.open) return;
        box.scrollIntoView({ block: "nearest" });  // opened, it may have moved below the other column
        draw(box);
      });
      box.querySelectorAll("button[data-zoom]").forEach(function (button) {
        button.addEventListener("click", function () { zoom(box, parseFloat(button.getAttribute("data-zoom"))); });
      });
      if (box.open) draw(box);
    });
  });
})();
