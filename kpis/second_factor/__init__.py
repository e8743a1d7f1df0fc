"""The second-factor pages (enrol, verify, recovery codes) and the middleware
that sends a user who must give a second factor to them."""
