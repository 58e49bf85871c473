// rectiflow page script (served from this origin; the CSP forbids inline scripts).
// The lifecycle diagrams are drawn by static/diagram.js, only on the pages that have one.
