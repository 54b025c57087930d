// Submitting a progress report takes a second or two (its PDF is made then): once the form is
// sent, the button says so and a status message is announced to screen readers. Kept in a
// file, not inline, for the content security policy.
const form = document.querySelector("form[data-report-submit]");
if (form) {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    const status = document.getElementById("submit-status");
    if (button) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("govuk-button--disabled");
      button.textContent = "Submitting: making the PDF…";
    }
    if (status) status.textContent = "Submitting the report: making its PDF and storing it. This takes a few seconds.";
  });
}
