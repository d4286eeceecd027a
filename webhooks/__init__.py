"""Webhooks: downstream sites hear, by a signed JSON POST, when an asset's
renditions are ready, change, or fail. See ``webhooks.signing`` for the scheme."""
