// Date inputs in Chinese whatever the browser's language: every .date-input (macros.html date_input) gets
// flatpickr's calendar with its Chinese locale; the box keeps YYYY-MM-DD and may still be typed into.
(function () {
  "use strict";
  if (!window.flatpickr) return;  // no calendar: the text box still takes YYYY-MM-DD
  var zh = window.flatpickr.l10ns && window.flatpickr.l10ns.zh;
  var english = document.documentElement.lang === "en";
  document.querySelectorAll("input.date-input").forEach(function (input) {
    window.flatpickr(input, {
      locale: english ? "default" : zh,
      dateFormat: "Y-m-d",
      allowInput: true,
      disableMobile: true,  // the phone's native picker would follow the phone's language again
      maxDate: input.dataset.max || null,
      minDate: input.dataset.min || null,  // a field that takes no past date (allow_past: false)
      now: input.dataset.today || undefined,  // the calendar opens at the server's today (Beijing), not the PC's
      monthSelectorType: "static"
    });
  });
})();
