"""Custom integrations package (lets tests import custom_components.*)."""
