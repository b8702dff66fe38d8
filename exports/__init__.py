"""Files for people and other programs: the case record and the quarterly report as HTML
(self-contained pages, charts as inline SVG), Markdown and CSV. Pure functions over the values
``cards.record`` and ``drp.report`` hold; Adaptive Cards live in ``cards/``.
"""
