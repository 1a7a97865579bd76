"""Training and staging: the experiment runner behind ``text-recognizer train``, the staging
behind ``text-recognizer stage``, and the shipped YAML configs (``configs/``, package data)."""
