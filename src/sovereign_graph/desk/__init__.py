"""The owner's desk: a local web page listing the threads, rendering a report as HTML, and taking the owner's
decision through the same atomic decision path as `sovereign resume` (`sovereign serve`, extra `web`).

Modules: `links` (which URLs a page may link to), `chart` (the tribunal's scores as SVG geometry), `pages`
(Jinja2 templates, everything escaped), `security` (CSRF, the decision token, headers), `jobs` (decisions
applied in the background, with their progress), `store` (threads and reports from the database), `app`
(the Starlette routes).
"""
