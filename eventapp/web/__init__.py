"""Request plumbing the blueprints share: access rules, forms, messages, page cache, rate
limits, security headers, static files, request logging, exports, template filters, tokens."""
