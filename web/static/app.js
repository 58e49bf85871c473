// rectiflow page script (served from this origin; the CSP forbids inline scripts).
// Draws the lifecycle diagrams with the mermaid library installed from npm, when the page has one.
document.addEventListener("DOMContentLoaded", function () {
  var diagrams = document.querySelectorAll("pre.mermaid");
  if (diagrams.length && window.mermaid) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
    window.mermaid.run({ nodes: diagrams }).then(function () {
      document.body.setAttribute("data-diagrams", "drawn");
    });
  }
});
