"""Adaptive Cards (schema 1.5) built from domain objects by pure functions.

``verbs`` (Action.Execute verbs and their data), ``text`` (escaping, dates), ``elements``
(builders), ``views`` (DisputeView, Viewer, RAG), ``permissions`` (buttons asked of the
machine), ``form`` (the DRP form), ``dispute`` (the dispute card and the cards around it),
``lists``, ``board`` (monitoring channel) and ``compliment``. No I/O, no clock, no Bot Framework.
"""
