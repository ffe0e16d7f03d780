"""Policy and wording as data: YAML rules, forms and Jinja2 templates, plus their loader."""
