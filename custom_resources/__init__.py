"""Lambda handlers of the template's custom resources (inlined at build time)."""
