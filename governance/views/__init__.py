"""The governance pages of the portal. Each module is one area (dashboard, requests, reviews, teams, audit,
policies); every page calls services and selectors directly, never the REST API over HTTP."""
