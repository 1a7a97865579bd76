"""The REST service and web page around a recognizer (``text-recognizer serve``).

Nothing here is imported by the package top level, and no module in this package imports
FastAPI at module level: the web stack is the optional ``serve`` extra, and pytest imports every
module for doctests even on machines that lack it. :func:`text_recognizer.api.app.create_app`
imports it when a service is actually built.
"""
