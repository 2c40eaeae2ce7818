// Improvement plan tracker: page start-up script.
//
// The base template loads it with:
//
//     <script type="module" src="/static/js/app.js"></script>
//
// It replaces the inline <script> in GOV.UK Frontend's page template, which our
// Content Security Policy does not allow. govuk-frontend 6 ships its JavaScript
// as an ES module (static/js/govuk-frontend.min.js, copied there by
// tools/build_frontend.py), so this file is a module too.
//
// Module scripts run once the document has been parsed, so document.body
// exists. If govuk-frontend.min.js cannot be loaded, this whole module fails
// before running and the body classes are never added: the page then keeps its
// no-JavaScript styles, which is the safe outcome.

import { initAll } from './govuk-frontend.min.js'

// What GOV.UK Frontend's template does inline. Any browser that runs a module
// script passes govuk-frontend's support check, hence both classes at once.
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

// Start every component on the page that has a data-module attribute
// (error summary, service navigation, character count, ...).
initAll()
