// Starts the GOV.UK Frontend components on the page (progressive enhancement only:
// every page works and reads fully without JavaScript).
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();
