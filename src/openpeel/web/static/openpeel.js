// GOV.UK Frontend's components (skip link, header, details, radios...), served locally.
import { initAll } from "/static/govuk/govuk-frontend.min.js";
initAll();
