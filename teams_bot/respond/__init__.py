"""Partners outside the council's Teams (issue 18): e-mail notices and the secure response page."""
